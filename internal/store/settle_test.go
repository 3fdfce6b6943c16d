package store_test

import (
	"context"
	"testing"

	"github.com/lifecycled/lifecycled/internal/store"
)

func TestSettle(t *testing.T) {
	ctx := context.Background()

	t.Run("OneFieldWrittenLeavesTheOther", func(t *testing.T) {
		db := MustOpen(t)
		MustApply(t, db, store.Change{Account: store.Account{ID: "001A"},
			Outbox: &store.OutboxEntry{Tags: ptr("T"), Status: ptr("S"), WriteTags: true, WriteStatus: true, NextAttempt: ts(1)},
			Rejections: []store.Rejection{
				{Field: "Status__c", Code: "RECORD_TYPE_VALUE", Message: "not allowed"},
				{Field: "Tags__c", Code: "STRING_TOO_LONG", Message: "old"},
			}})
		if err := db.Settle(ctx, store.Settlement{Written: []store.Written{
			{AccountID: "001A", Tags: ptr("T"), WroteTags: true, Keep: []string{"Status__c"}},
		}}); err != nil {
			t.Fatal(err)
		}
		out, err := db.Outbox(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 1 || out[0].WriteTags || !out[0].WriteStatus {
			t.Fatalf("outbox after writing the tags only = %+v, want the status still to write", out)
		}
		rej, err := db.AccountRejections(ctx, "001A")
		if err != nil {
			t.Fatal(err)
		}
		if len(rej) != 1 || rej[0].Field != "Status__c" {
			t.Fatalf("rejections = %+v, want only the status one kept", rej)
		}
		a, err := db.Account(ctx, "001A")
		if err != nil {
			t.Fatal(err)
		}
		if !sameStr(a.CRMTags, ptr("T")) || a.CRMStatus != nil {
			t.Fatalf("crm values = %v, %v", a.CRMTags, a.CRMStatus)
		}
	})

	t.Run("RejectOneFieldRequeueTheOther", func(t *testing.T) {
		db := MustOpen(t)
		e := store.OutboxEntry{AccountID: "001B", Tags: ptr("T"), Status: ptr("S"), WriteTags: true, WriteStatus: true, NextAttempt: ts(1)}
		MustApply(t, db, store.Change{Account: store.Account{ID: "001B"}, Outbox: &e})
		rest := e
		rest.WriteTags = false
		if err := db.Settle(ctx, store.Settlement{
			Rejected: []store.Rejection{{AccountID: "001B", Field: "Tags__c", Code: "STRING_TOO_LONG", Message: "m", Inputs: "f1"}},
			Requeue:  []store.OutboxEntry{rest},
		}); err != nil {
			t.Fatal(err)
		}
		out, err := db.Outbox(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 1 || out[0].WriteTags || !out[0].WriteStatus {
			t.Fatalf("outbox = %+v, want the status alone requeued", out)
		}
		rej, err := db.AccountRejections(ctx, "001B")
		if err != nil {
			t.Fatal(err)
		}
		if len(rej) != 1 || rej[0].Inputs != "f1" {
			t.Fatalf("rejections = %+v, want one with the inputs' fingerprint", rej)
		}
	})

	t.Run("PausedEntriesKeepTheirAttempts", func(t *testing.T) {
		db := MustOpen(t)
		MustApply(t, db, store.Change{Account: store.Account{ID: "001C"},
			Outbox: &store.OutboxEntry{Tags: ptr("T"), WriteTags: true, Attempts: 2, NextAttempt: ts(1)}})
		if err := db.Settle(ctx, store.Settlement{Deferred: []store.Deferred{
			{AccountID: "001C", Error: "paused", NextAttempt: ts(2), Paused: true},
		}}); err != nil {
			t.Fatal(err)
		}
		if err := db.Settle(ctx, store.Settlement{Deferred: []store.Deferred{
			{AccountID: "001C", Error: "locked", NextAttempt: ts(3)},
		}}); err != nil {
			t.Fatal(err)
		}
		out, err := db.Outbox(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 1 || out[0].Attempts != 3 || out[0].LastError != "locked" || !out[0].NextAttempt.Equal(ts(3)) {
			t.Fatalf("outbox = %+v, want 3 attempts (the pause not counted)", out)
		}
	})

	t.Run("ChangeRejectionsLeaveTheOutbox", func(t *testing.T) {
		db := MustOpen(t)
		MustApply(t, db, store.Change{Account: store.Account{ID: "001D"},
			Outbox:     &store.OutboxEntry{Tags: ptr("T"), WriteTags: true, NextAttempt: ts(1)},
			Rejections: []store.Rejection{{Field: "Status__c", Code: "RECORD_TYPE_VALUE", Message: "m"}}})
		if n, err := db.OutboxDepth(ctx); err != nil || n != 1 {
			t.Fatalf("outbox depth = %d, %v; want the tags write kept beside the status rejection", n, err)
		}
	})
}
