package engine_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/config"
	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
	"github.com/lifecycled/lifecycled/internal/engine"
	"github.com/lifecycled/lifecycled/internal/oracle"
	"github.com/lifecycled/lifecycled/internal/store"
)

// schemaWith returns the default schema with edit applied to one Account
// field.
func schemaWith(t testing.TB, field string, edit func(*sftest.FieldSchema)) *sftest.Schema {
	t.Helper()
	s := sftest.DefaultSchema()
	o, ok := s.Object("Account")
	if !ok {
		t.Fatal("no Account in the default schema")
	}
	for _, f := range o.Fields {
		if f.Name == field {
			edit(f)
			return s
		}
	}
	t.Fatalf("no field %s", field)
	return nil
}

// rejectionsByField returns the store's rejections by account, then field.
func rejectionsByField(t testing.TB, db *store.DB) map[string]map[string]store.Rejection {
	t.Helper()
	all, err := db.Rejections(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]store.Rejection{}
	for _, r := range all {
		if out[r.AccountID] == nil {
			out[r.AccountID] = map[string]store.Rejection{}
		}
		out[r.AccountID][r.Field] = r
	}
	return out
}

// TestOneFieldRefusalDoesNotBlockTheOther: with a tags field too short for
// some accounts' tags, their status is still written and only the tags are
// a rejection, whether lifecycled knows the length (it read the describe)
// or Salesforce refuses the value (STRING_TOO_LONG).
func TestOneFieldRefusalDoesNotBlockTheOther(t *testing.T) {
	for _, tc := range []struct {
		name     string
		orgRules bool
		code     string
	}{
		{"KnownLength", true, engine.CodeTooLong},
		{"RefusedBySalesforce", false, "STRING_TOO_LONG"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			schema := schemaWith(t, oracle.Tags, func(f *sftest.FieldSchema) { f.Type, f.Length = "string", 30 })
			h := newHarnessWith(t, sftest.Options{Accounts: 400, Schema: schema}, func(h *harness) { h.orgRules = tc.orgRules })
			h.cycle()
			today := h.clock.Now()
			rej := rejectionsByField(t, h.db)
			short := 0
			for _, rec := range h.srv.Records("Account") {
				id := rec["Id"].(string)
				tags, status := oracle.Expect(rec, today)
				if got := rec[oracle.Status]; !sameStatus(got, status) {
					t.Errorf("account %s: status %v, want %v (a tags refusal must not hold it back)", id, got, deref(status))
				}
				if _, ok := rej[id][oracle.Status]; ok {
					t.Errorf("account %s: status rejected: %+v", id, rej[id][oracle.Status])
				}
				if gotTags := tagSet(rec[oracle.Tags]); !maps.Equal(gotTags, tags) {
					r, ok := rej[id][oracle.Tags]
					if !ok || r.Code != tc.code {
						t.Errorf("account %s: tags %v, want %v or a %s rejection; rejections %+v", id, rec[oracle.Tags], tags, tc.code, rej[id])
					}
					short++
				}
			}
			if short == 0 {
				t.Fatal("no account's tags outgrew the 30-character field: the test proves nothing")
			}
			if n := h.srv.Stats().NoopWrites; n != 0 {
				t.Errorf("no-op writes = %d, want 0", n)
			}
			if r := h.cycle(); r.Written != 0 {
				t.Errorf("second cycle wrote %d records, want 0", r.Written)
			}
		})
	}
}

// TestRefusedWriteIsHeldUntilItsInputsChange: a value Salesforce refused is
// not sent again at every evaluation; it is retried when the record's
// inputs change, or after retry_rejected_after.
func TestRefusedWriteIsHeldUntilItsInputsChange(t *testing.T) {
	schema := schemaWith(t, oracle.Status, func(f *sftest.FieldSchema) {
		f.PicklistValues = slices.DeleteFunc(slices.Clone(f.PicklistValues), func(v sftest.PicklistValue) bool { return v.Value == "Core-Good" })
	})
	h := newHarnessWith(t, sftest.Options{Accounts: 300, Schema: schema}, func(h *harness) {
		h.tune = func(o *engine.Options) { o.RetryRejectedAfter = 60 * time.Hour }
	})
	h.cycle()
	first := rejectionsByField(t, h.db)
	var refused []string
	for id, byField := range first {
		if r, ok := byField[oracle.Status]; ok && r.Code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" {
			refused = append(refused, id)
		}
	}
	if len(refused) < 2 {
		t.Fatalf("%d accounts refused Core-Good; want at least 2", len(refused))
	}
	slices.Sort(refused)
	for _, id := range refused {
		rec, _ := h.srv.Record("Account", id)
		if want, _ := oracle.Expect(rec, h.clock.Now()); !maps.Equal(tagSet(rec[oracle.Tags]), want) {
			t.Errorf("account %s: tags %v not written beside the refused status", id, rec[oracle.Tags])
		}
	}

	// A person edits an input of one refused account: it is tried again in
	// the next cycle; the others are not, though lifecycled's own write of
	// their tags moved their SystemModstamp.
	edited := refused[0]
	h.clock.Advance(2 * time.Minute)
	if err := h.srv.Update("Account", edited, map[string]any{"Last_Activity_Date__c": h.clock.Now().Format(time.DateOnly)}); err != nil {
		t.Fatal(err)
	}
	h.cycle()
	// The next day every account is evaluated again (rollover): the held
	// ones are not sent.
	h.clock.Advance(24 * time.Hour)
	h.cycle()
	second := rejectionsByField(t, h.db)
	for _, id := range refused {
		before, after := first[id][oracle.Status], second[id][oracle.Status]
		_, still := second[id][oracle.Status]
		retried := !still || after.LastSeen.After(before.LastSeen)
		if want := id == edited; retried != want {
			t.Errorf("account %s: retried = %v, want %v (last seen %s, then %s)", id, retried, want, before.LastSeen, after.LastSeen)
		}
	}
	// Past retry_rejected_after they are tried again.
	h.clock.Advance(48 * time.Hour)
	h.cycle()
	third := rejectionsByField(t, h.db)
	for _, id := range refused[1:] {
		if r, ok := third[id][oracle.Status]; ok && !r.LastSeen.After(second[id][oracle.Status].LastSeen) {
			t.Errorf("account %s: not retried after retry_rejected_after (last seen %s)", id, r.LastSeen)
		}
	}
}

// TestLockFailuresAreRetriedThenRejected: a record that keeps failing with
// UNABLE_TO_LOCK_ROW is retried on later cycles, then becomes a rejection
// after a bounded number of attempts.
func TestLockFailuresAreRetriedThenRejected(t *testing.T) {
	h := newHarnessWith(t, sftest.Options{Accounts: 30, Faults: sftest.Faults{Seed: 1, LockRow: 1}}, func(h *harness) {
		h.tune = func(o *engine.Options) { o.MaxRetryLater = 3 }
	})
	for i := 1; i <= 3; i++ {
		r := h.cycle()
		rej := rejectionsByField(t, h.db)
		if i < 3 && (len(rej) != 0 || r.Failed == 0) {
			t.Fatalf("cycle %d: %d rejections, %d failed; want none rejected yet, all left for later", i, len(rej), r.Failed)
		}
		if i == 3 {
			if len(rej) == 0 {
				t.Fatal("no rejection after 3 attempts")
			}
			for id, byField := range rej {
				for _, x := range byField {
					if x.Code != "UNABLE_TO_LOCK_ROW" || !strings.Contains(x.Message, "after 3 attempts") {
						t.Errorf("account %s: rejection %+v", id, x)
					}
				}
			}
		}
		h.clock.Advance(2 * time.Minute)
	}
}

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func sameStatus(got any, want *string) bool {
	g, _ := got.(string)
	if want == nil {
		return got == nil || g == ""
	}
	return g == *want
}

// tagSet returns the managed tags of a tags field value.
func tagSet(v any) map[string]bool {
	s, _ := v.(string)
	out := map[string]bool{}
	for _, t := range strings.Split(s, ";") {
		if t = strings.TrimSpace(t); t != "" && oracle.IsManaged(t) {
			out[t] = true
		}
	}
	return out
}

// TestLostFieldAccessPausesTheField: when the integration user loses edit
// access to the status field while the daemon runs, that field's writes
// pause (the engine says why, for /readyz) without a rejection, the tags
// are still written, and the status writes resume by themselves when
// access returns.
func TestLostFieldAccessPausesTheField(t *testing.T) {
	h := newHarness(t, 300, sftest.Faults{})
	h.srv.SetFieldEditable("Account", oracle.Status, false)
	r := h.cycle()
	if r.Written == 0 {
		t.Fatal("no tags written while the status field is paused")
	}
	if why := h.engine.Blocked(); !strings.Contains(why, oracle.Status) {
		t.Fatalf("Blocked() = %q, want it to name %s", why, oracle.Status)
	}
	if rej := rejectionsByField(t, h.db); len(rej) != 0 {
		t.Fatalf("%d accounts rejected for a field the user cannot edit; want none", len(rej))
	}
	stale := 0
	for _, rec := range h.srv.Records("Account") {
		tags, status := oracle.Expect(rec, h.clock.Now())
		if !sameStatus(rec[oracle.Status], status) {
			stale++
		}
		if !maps.Equal(tagSet(rec[oracle.Tags]), tags) {
			t.Errorf("account %v: tags %v, want %v: the tags must be written while the status is paused", rec["Id"], rec[oracle.Tags], tags)
		}
	}
	if stale == 0 {
		t.Fatal("every status in sync although the status field could not be written")
	}
	// A cycle while still paused writes nothing and asks for no status.
	h.clock.Advance(2 * time.Minute)
	if r := h.cycle(); r.Written != 0 || r.Rejected != 0 {
		t.Fatalf("paused cycle: written %d, rejected %d; want 0, 0", r.Written, r.Rejected)
	}

	h.srv.SetFieldEditable("Account", oracle.Status, true)
	h.clock.Advance(2 * time.Minute)
	h.cycle()
	if why := h.engine.Blocked(); why != "" {
		t.Fatalf("Blocked() = %q after access returned", why)
	}
	if bad := h.checkAll(); bad != 0 {
		t.Fatalf("%d accounts out of sync after access returned", bad)
	}
	if n := h.srv.Stats().NoopWrites; n != 0 {
		t.Fatalf("%d no-op writes", n)
	}
}

// TestDateTimeFieldAndOtherwiseKeep runs a custom pack against the
// emulator: a dateTime input (Last_Login__c, in Salesforce's dateTime
// format) read as a date in the sync zone, and `otherwise: keep`, which
// leaves the status other processes set alone when no rule fires.
func TestDateTimeFieldAndOtherwiseKeep(t *testing.T) {
	const pack = `salesforce:
  login_url: https://example.my.salesforce.com
  auth: {client_id: x, client_secret: y}
fields:
  last_login: Last_Login__c:datetime
  paying: Paying_Customer__c
tags:
  smart_lists:
    - tag: Dormant
      when: 'paying && (last_login == nil || days_since(last_login) > 30)'
status:
  rules:
    - when: 'has_tag("Dormant")'
      value: "Core-Poor"
  otherwise: keep
`
	h := newHarnessWith(t, sftest.Options{Accounts: 300}, func(h *harness) {
		cfg, err := config.Parse([]byte(pack), "keep.yaml", func(string) (string, bool) { return "", false })
		if err != nil {
			t.Fatal(err)
		}
		cfg.Salesforce.LoginURL, cfg.State.Path = h.cfg.Salesforce.LoginURL, h.cfg.State.Path
		h.cfg = cfg
	})
	before := map[string]any{}
	for _, rec := range h.srv.Records("Account") {
		before[rec["Id"].(string)] = rec[oracle.Status]
	}
	h.cycle()
	today := h.clock.Now().UTC()
	var dormant, kept int
	for _, rec := range h.srv.Records("Account") {
		id := rec["Id"].(string)
		want := false
		if paying, _ := rec["Paying_Customer__c"].(bool); paying {
			want = true
			if s, ok := rec["Last_Login__c"].(string); ok {
				at, err := time.Parse("2006-01-02T15:04:05.000-0700", s)
				if err != nil {
					t.Fatalf("account %s: Last_Login__c %q: %v", id, s, err)
				}
				day := time.Date(at.UTC().Year(), at.UTC().Month(), at.UTC().Day(), 0, 0, 0, 0, time.UTC)
				now := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
				want = now.Sub(day) > 30*24*time.Hour
			}
		}
		has := strings.Contains(strOf(rec[oracle.Tags]), "Dormant")
		if has != want {
			t.Errorf("account %s: Dormant = %v, want %v (Last_Login__c %v)", id, has, want, rec["Last_Login__c"])
		}
		switch {
		case want:
			dormant++
			if rec[oracle.Status] != "Core-Poor" {
				t.Errorf("account %s: status %v, want Core-Poor", id, rec[oracle.Status])
			}
		default:
			kept++
			if rec[oracle.Status] != before[id] {
				t.Errorf("account %s: status %v, want it kept as %v (otherwise: keep)", id, rec[oracle.Status], before[id])
			}
		}
	}
	if dormant == 0 || kept == 0 {
		t.Fatalf("%d dormant, %d kept: the data does not exercise both", dormant, kept)
	}
}

func strOf(v any) string {
	s, _ := v.(string)
	return s
}

// TestRefusalResolvedWhenNoLongerNeeded: a refusal the engine decided (tags
// too long for the field) goes away when the field needs no write any more,
// here because the account stopped paying and its managed tags went.
func TestRefusalResolvedWhenNoLongerNeeded(t *testing.T) {
	schema := schemaWith(t, oracle.Tags, func(f *sftest.FieldSchema) { f.Type, f.Length = "string", 255 })
	h := newHarnessWith(t, sftest.Options{Accounts: 200, Schema: schema}, func(h *harness) { h.orgRules = true })
	var id string
	for _, rec := range h.srv.Records("Account") {
		if p, _ := rec["Paying_Customer__c"].(bool); p {
			if tags, _ := oracle.Expect(rec, h.clock.Now()); len(tags) > 0 {
				id = rec["Id"].(string)
				break
			}
		}
	}
	if id == "" {
		t.Fatal("no paying account with managed tags")
	}
	var legacy []string
	for i := range 12 {
		legacy = append(legacy, fmt.Sprintf("Legacy-Campaign-%03d", i))
	}
	if err := h.srv.Update("Account", id, map[string]any{oracle.Tags: strings.Join(legacy, ";") + ";Legacy-X"}); err != nil {
		t.Fatal(err)
	}
	h.cycle()
	if r, ok := rejectionsByField(t, h.db)[id][oracle.Tags]; !ok || r.Code != engine.CodeTooLong {
		t.Fatalf("account %s: no %s rejection of its tags: %+v", id, engine.CodeTooLong, rejectionsByField(t, h.db)[id])
	}
	h.clock.Advance(2 * time.Minute)
	if err := h.srv.Update("Account", id, map[string]any{"Paying_Customer__c": false}); err != nil {
		t.Fatal(err)
	}
	h.cycle()
	if r, ok := rejectionsByField(t, h.db)[id][oracle.Tags]; ok {
		t.Fatalf("account %s: the tags rejection stayed though no tag is to be written: %+v", id, r)
	}
}
