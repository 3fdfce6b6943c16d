package sftest

import (
	"maps"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestGenerateAccountsIsDeterministic(t *testing.T) {
	a := GenerateAccounts(500, 1, start)
	b := GenerateAccounts(500, 1, start.Add(5*time.Hour)) // the same UTC day
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed and day, different accounts")
	}
	if c := GenerateAccounts(500, 2, start); reflect.DeepEqual(a, c) {
		t.Fatal("seeds 1 and 2 gave the same accounts")
	}
	if len(GenerateAccounts(0, 1, start)) != 0 || len(GenerateAccounts(-3, 1, start)) != 0 {
		t.Fatal("n <= 0 gave accounts")
	}
}

func TestServerHoldsTheGeneratedAccounts(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 300, Seed: 5})
	want := GenerateAccounts(300, 5, start)
	got := s.Records("Account")
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i := range want {
		sub := maps.Clone(got[i])
		for _, k := range []string{"Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp", "CreatedById", "LastModifiedById"} {
			delete(sub, k)
		}
		if !reflect.DeepEqual(sub, want[i]) {
			t.Fatalf("record %d = %v, want %v", i, sub, want[i])
		}
		created, _ := time.Parse(dateTimeLayout, got[i]["CreatedDate"].(string))
		modified, _ := time.Parse(dateTimeLayout, got[i]["SystemModstamp"].(string))
		if created.After(modified) || modified.After(start) || got[i]["LastModifiedDate"] != got[i]["SystemModstamp"] {
			t.Fatalf("record %d stamps: created %v modified %v now %v", i, created, modified, start)
		}
	}
}

func TestGeneratedAccountsCoverEveryStage(t *testing.T) {
	today := time.Date(2025, 6, 10, 0, 0, 0, 0, time.UTC)
	recs := GenerateAccounts(20000, 7, today)
	day := func(r Record, k string) (int, bool) {
		s, ok := r[k].(string)
		if !ok {
			return 0, false
		}
		d, err := time.Parse(dateLayout, s)
		if err != nil {
			t.Fatalf("%s = %q", k, s)
		}
		return int(d.Sub(today).Hours() / 24), true
	}
	counts := map[string]int{}
	ages := map[int]bool{}
	renewIn := map[int]bool{}
	schema := DefaultSchema()
	acct, _ := schema.Object("Account")
	for _, r := range recs {
		rtID, _ := r["RecordTypeId"].(string)
		rt, _ := acct.RecordType(rtID)
		for k, v := range r {
			f, _, ok := acct.Field(k)
			if !ok {
				t.Fatalf("field %s is not in the default schema", k)
			}
			c, terr := convert(f, v)
			if terr != nil {
				t.Fatalf("%s = %v: %v", k, v, terr.message(1))
			}
			if _, verr := validate(f, c, rt); verr != nil {
				t.Fatalf("%s = %v: %s", k, v, verr.Message)
			}
		}
		paying := r["Paying_Customer__c"] == true
		st, hasStart := day(r, "Start_Date__c")
		rn, hasRenewal := day(r, "Renewal_Date__c")
		switch {
		case !paying:
			counts["non-paying"]++
		case !hasStart && !hasRenewal:
			counts["no dates"]++
		case !hasStart:
			counts["no start"]++
		case st > 0:
			counts["future start"]++
		case hasRenewal && rn < st:
			counts["renewal before start"]++
		case -st <= 90:
			counts["onboarding"]++
			ages[-st] = true
		case hasRenewal && rn >= 0 && rn <= 120:
			counts["renewal window"]++
			renewIn[rn] = true
		case hasRenewal && rn < 0:
			counts["stale renewal"]++
		case !hasRenewal:
			counts["no renewal"]++
		default:
			counts["core"]++
		}
		if s, ok := r["Start_Date__c"].(string); ok && strings.HasSuffix(s, "-02-29") {
			counts["feb 29 start"]++
		}
		tags, _ := r["Lifecycle_Tags__c"].(string)
		switch {
		case tags == "VIP;Churn-Watch":
			counts["VIP;Churn-Watch"]++
		case strings.Contains(tags, "OnBoard-") || strings.Contains(tags, "Core-") || strings.Contains(tags, "Renewal-"):
			counts["managed tags"]++
		}
		if r["Account_Lifecycle_Status__c"] != nil {
			counts["status set"]++
		}
	}
	for _, k := range []string{"non-paying", "no dates", "no start", "future start", "renewal before start", "onboarding",
		"renewal window", "stale renewal", "no renewal", "core", "feb 29 start", "VIP;Churn-Watch", "managed tags", "status set"} {
		if counts[k] < 20 {
			t.Errorf("%s: %d accounts of 20000 (all: %v)", k, counts[k], counts)
		}
	}
	for _, age := range []int{0, 30, 31, 60, 61, 90} {
		if !ages[age] {
			t.Errorf("no onboarding account aged %d days", age)
		}
	}
	for _, d := range []int{0, 120} {
		if !renewIn[d] {
			t.Errorf("no renewal %d days from today", d)
		}
	}
}

func BenchmarkGenerateAccounts(b *testing.B) {
	for b.Loop() {
		GenerateAccounts(100000, 1, start)
	}
}

// BenchmarkMillionAccounts starts an emulator holding 1,000,000 accounts
// (the memory benchmark's size) and reads one page of a query over all of
// them.
func BenchmarkMillionAccounts(b *testing.B) {
	for b.Loop() {
		s, _ := MustServer(b, Options{Accounts: 1000000, Seed: 1})
		tok := MustToken(b, s)
		resp := call(b, s, tok, "GET", queryPath("SELECT Id, Start_Date__c, Renewal_Date__c, Lifecycle_Tags__c FROM Account WHERE Paying_Customer__c = true"), nil)
		if resp.status != 200 {
			b.Fatalf("status %d", resp.status)
		}
		s.Close()
	}
}

func TestGeneratedExtraColumns(t *testing.T) {
	plain, _ := MustServer(t, Options{Accounts: 2000, Seed: 9})
	mixed, _ := MustServer(t, Options{Accounts: 2000, Seed: 9, PartnerShare: 0.4, DuplicateShare: 0.1})
	a, b := plain.Records("Account"), mixed.Records("Account")
	partners, renamed, nullLogins := 0, 0, 0
	for i := range a {
		if a[i]["RecordTypeId"] != CustomerRecordTypeID {
			t.Fatalf("record %d: RecordTypeId %v with PartnerShare 0", i, a[i]["RecordTypeId"])
		}
		if b[i]["RecordTypeId"] == PartnerRecordTypeID {
			partners++
		}
		if a[i]["Name"] != b[i]["Name"] {
			renamed++
		}
		// The shares move nothing else than record type, name and a
		// partner's disallowed status.
		for k, v := range a[i] {
			if k != "RecordTypeId" && k != "Name" && k != "Account_Lifecycle_Status__c" && v != b[i][k] {
				t.Fatalf("record %d %s: %v with shares, %v without", i, k, b[i][k], v)
			}
		}
		login, _ := a[i]["Last_Login__c"].(string)
		if login == "" {
			nullLogins++
			continue
		}
		at, err := time.Parse(dateTimeLayout, login)
		if err != nil || at.After(start) || start.Sub(at) > 122*24*time.Hour {
			t.Fatalf("record %d Last_Login__c %q: %v", i, login, err)
		}
	}
	if partners < 700 || partners > 900 || renamed < 150 || renamed > 250 || nullLogins < 180 || nullLogins > 300 {
		t.Fatalf("partners %d, renamed %d, null logins %d of 2000", partners, renamed, nullLogins)
	}
	if _, err := Start("127.0.0.1:0", Options{PartnerShare: 1.5}); err == nil {
		t.Fatal("PartnerShare 1.5 accepted")
	}
	// Last_Login__c reads back through the REST API in Salesforce's format.
	tok := MustToken(t, plain)
	var qr queryResult
	mustJSON(t, call(t, plain, tok, http.MethodGet, queryPath("SELECT Last_Login__c FROM Account WHERE Last_Login__c != null LIMIT 1"), nil).body, &qr)
	if v, _ := qr.Records[0]["Last_Login__c"].(string); len(v) != len("2024-03-01T12:00:00.000+0000") || !strings.HasSuffix(v, ".000+0000") {
		t.Fatalf("Last_Login__c = %v", qr.Records[0]["Last_Login__c"])
	}
}
