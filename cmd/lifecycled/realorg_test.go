package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
	"github.com/lifecycled/lifecycled/internal/oracle"
	"github.com/lifecycled/lifecycled/internal/store"
)

// TestRealOrgConverges puts a real org's harsh sides together against the
// daemon binary: record types whose picklist refuses most statuses, an
// active duplicate rule with duplicate names in the data, trigger lock
// failures on 20% of write requests, a 255-character text tags field, a
// validation rule on a few records and a strict JWT audience. The daemon
// converges: every account holds its correct status and tags, or is a
// rejection whose reason names the cause; none is rejected for a passing
// cause, and no write is a no-op.
func TestRealOrgConverges(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	keyPEM, certPEM := selfSigned(t)
	schema := sftest.DefaultSchema()
	acct, _ := schema.Object("Account")
	for _, f := range acct.Fields {
		if f.Name == oracle.Tags {
			f.Type, f.Length = "string", 255
		}
	}
	srv := newOrg(t, sftest.Options{
		Accounts: 1500, Seed: 11, Schema: schema, PartnerShare: 0.2, DuplicateShare: 0.05,
		Username: "integration@example.com", JWTCertificatePEM: certPEM,
		Faults: sftest.Faults{Seed: 3, TriggerLock: 0.2},
	})
	recs := srv.Records("Account")
	var validated []string
	for i := 0; i < len(recs); i += 150 {
		validated = append(validated, recs[i]["Id"].(string))
	}
	srv.FailValidation(validated...)
	// Other tools filled some accounts' tags field nearly to the brim.
	var legacy []string
	for i := range 12 {
		legacy = append(legacy, fmt.Sprintf("Legacy-Campaign-%03d", i)) // 19 characters each
	}
	long := strings.Join(legacy, ";") + ";Legacy-X" // 248 characters
	for i := 7; i < len(recs); i += 60 {
		if err := srv.Update("Account", recs[i]["Id"].(string), map[string]any{oracle.Tags: long}); err != nil {
			t.Fatal(err)
		}
	}

	keyFile := filepath.Join(t.TempDir(), "jwt.key")
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cfgPath, statePath := daemonConfigWith(t, srv.URL(), time.Second, addr, "flow: jwt_bearer",
		"client_id: "+orgClientID, "username: integration@example.com", "private_key_file: "+keyFile)
	d := startDaemon(t, []string{"LIFECYCLED_LOG_FORMAT=json"}, cfgPath)

	// Converged: a cycle after the first that wrote nothing, with nothing
	// left to write.
	ctx := context.Background()
	d.await(t, "convergence", 3*time.Minute, func() bool {
		db := store.New(statePath)
		if db.OpenReadOnly() != nil {
			return false
		}
		defer db.Close()
		runs, err := db.Runs(ctx, 1)
		depth, derr := db.OutboxDepth(ctx)
		return err == nil && derr == nil && len(runs) == 1 && runs[0].ID > 1 && runs[0].Outcome == "ok" &&
			runs[0].Written == 0 && runs[0].Failed == 0 && depth == 0
	})
	d.stop(t, syscall.SIGTERM)
	if !strings.Contains(d.out.String(), "UNABLE_TO_LOCK_ROW") {
		t.Error("no trigger lock failure in the logs: the faults did not fire")
	}

	// The reasons are visible to an operator.
	st := runBinary(t, nil, nil, "status", "--config", cfgPath)
	for _, want := range []string{"TAGS_TOO_LONG", "RECORD_TYPE_VALUE"} {
		if !strings.Contains(st.stdout, want) {
			t.Errorf("status does not show %s:\n%s", want, st.stdout)
		}
	}

	db := store.New(statePath)
	if err := db.OpenReadOnly(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all, err := db.Rejections(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	rejected := map[string]map[string]store.Rejection{}
	codes := map[string]int{}
	for _, r := range all {
		if rejected[r.AccountID] == nil {
			rejected[r.AccountID] = map[string]store.Rejection{}
		}
		rejected[r.AccountID][r.Field] = r
		codes[r.Code]++
		switch r.Code {
		case "UNABLE_TO_LOCK_ROW", "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY", "DUPLICATES_DETECTED":
			t.Errorf("account %s rejected for a cause that should pass or be allowed: %s %s", r.AccountID, r.Code, r.Message)
		}
	}
	isValidated := map[string]bool{}
	for _, id := range validated {
		isValidated[id] = true
	}
	today := time.Now().UTC()
	var okAccounts, partnerRefusals, tagRefusals int
	for _, rec := range srv.Records("Account") {
		id := rec["Id"].(string)
		rej := rejected[id]
		if isValidated[id] {
			if r, ok := rej[""]; (!ok || r.Code != "FIELD_CUSTOM_VALIDATION_EXCEPTION") && oracle.Gap(rec, today) != "" {
				t.Errorf("account %s (validation rule): %s, rejections %+v", id, oracle.Gap(rec, today), rej)
			}
			continue
		}
		tags, status := oracle.Expect(rec, today)
		if got, _ := rec[oracle.Status].(string); (status == nil && got != "") || (status != nil && got != *status) {
			r, ok := rej[oracle.Status]
			if !ok || r.Code != "RECORD_TYPE_VALUE" || !strings.Contains(r.Message, `"Partner"`) || !strings.Contains(r.Message, *status) {
				t.Errorf("account %s: status %q, want %v, and no rejection naming the record type (%+v)", id, got, deref(status), rej)
				continue
			}
			partnerRefusals++
		}
		got := map[string]bool{}
		for _, tag := range strings.Split(strOf(rec[oracle.Tags]), ";") {
			if tag = strings.TrimSpace(tag); oracle.IsManaged(tag) {
				got[tag] = true
			}
		}
		if !maps.Equal(got, tags) {
			r, ok := rej[oracle.Tags]
			if !ok || r.Code != "TAGS_TOO_LONG" || !strings.Contains(r.Message, "255") {
				t.Errorf("account %s: tags %q, want %v, and no rejection naming the length (%+v)", id, strOf(rec[oracle.Tags]), tags, rej)
				continue
			}
			tagRefusals++
			continue
		}
		okAccounts++
	}
	if partnerRefusals == 0 || tagRefusals == 0 {
		t.Errorf("partner refusals %d, tags refusals %d: the org did not exercise both", partnerRefusals, tagRefusals)
	}
	if n := srv.Stats().NoopWrites; n != 0 {
		t.Errorf("%d no-op writes, want 0", n)
	}
	t.Logf("%d accounts in sync, %d statuses refused by record type, %d tag sets too long; rejection codes %v",
		okAccounts, partnerRefusals, tagRefusals, codes)
}

func strOf(v any) string {
	s, _ := v.(string)
	return s
}
