package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/lifecycled/lifecycled/internal/store"
)

// BenchmarkApplyPage applies pages of 2,000 accounts (a query page), with an
// outbox entry and a history entry for one account in ten, alternating new
// accounts and updates of stored ones.
func BenchmarkApplyPage(b *testing.B) {
	const page = 2000
	ctx := context.Background()
	db := MustOpen(b)
	record := json.RawMessage(`{"Id":"001000000000000AAA","Name":"Account 0","AnnualRevenue":125000,` +
		`"Customer_Since__c":"2023-04-01","Renewal_Date__c":"2025-04-01","Health_Score__c":71,` +
		`"Onboarding_Score_30__c":80,"Onboarding_Score_60__c":75,"Onboarding_Score_90__c":null,` +
		`"Lifecycle_Tags__c":"core-good;renewal-120","Lifecycle_Status__c":"Adopting",` +
		`"SystemModstamp":"2024-03-01T12:00:00.000+0000"}`)
	changes := make([]store.Change, page)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		base := (i % 10) * page // ten distinct pages: inserts first, updates after
		for j := range changes {
			id := fmt.Sprintf("001%015d", base+j)
			c := store.Change{Account: store.Account{
				ID: id, Record: record, Modstamp: ts(j % 60), CRMTags: ptr("core-good;renewal-120"),
				CRMStatus: ptr("Adopting"), DesiredTags: ptr("core-good"), DesiredStatus: ptr("Adopting"),
				ManagedTags: []string{"core-good"}, AsOf: "2024-03-01", RulesVersion: "r1", SeenPull: int64(i),
			}, Dequeue: true}
			if j%10 == 0 {
				c.Outbox = &store.OutboxEntry{Tags: ptr("core-good"), WriteTags: true, BasedOn: ts(0), NextAttempt: ts(0), Created: ts(0)}
				c.History = []store.HistoryEntry{{Kind: "change", From: ptr("Onboarding"), To: ptr("Adopting"), At: ts(0), Inputs: record}}
			}
			changes[j] = c
		}
		if err := db.Apply(ctx, changes); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(page*b.N)/b.Elapsed().Seconds(), "accounts/s")
}
