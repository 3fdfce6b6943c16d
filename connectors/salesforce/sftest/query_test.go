package sftest

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// queryPages follows nextRecordsUrl from q and returns every page.
func queryPages(t *testing.T, s *Server, tok, q string, headers ...string) []queryResult {
	t.Helper()
	var pages []queryResult
	path := queryPath(q)
	for path != "" {
		resp := call(t, s, tok, http.MethodGet, path, nil, headers...)
		if resp.status != http.StatusOK {
			t.Fatalf("GET %s: status %d: %s", path, resp.status, resp.body)
		}
		var qr queryResult
		mustJSON(t, resp.body, &qr)
		if qr.Done == strings.Contains(string(resp.body), `"nextRecordsUrl"`) {
			t.Fatalf("page %d: done %v but nextRecordsUrl present = %v", len(pages), qr.Done, !qr.Done)
		}
		pages = append(pages, qr)
		path = qr.NextRecordsURL
		if len(pages) > 100 {
			t.Fatal("more than 100 pages")
		}
	}
	return pages
}

func sizes(pages []queryResult) []int {
	var out []int
	for _, p := range pages {
		out = append(out, len(p.Records))
	}
	return out
}

var locatorURL = regexp.MustCompile(`^/services/data/v62\.0/query/01g[0-9A-Za-z]{15}-(\d+)$`)

func TestQueryPagination(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 4500, Seed: 3})
	tok := MustToken(t, s)
	t.Run("DefaultBatchIs2000", func(t *testing.T) {
		pages := queryPages(t, s, tok, "SELECT Id FROM Account")
		if got, want := sizes(pages), []int{2000, 2000, 500}; !slices.Equal(got, want) {
			t.Fatalf("page sizes = %v, want %v", got, want)
		}
		for i, p := range pages {
			if p.TotalSize != 4500 {
				t.Errorf("page %d totalSize = %d, want 4500", i, p.TotalSize)
			}
		}
		for i, want := range []string{"2000", "4000"} {
			m := locatorURL.FindStringSubmatch(pages[i].NextRecordsURL)
			if m == nil || m[1] != want {
				t.Errorf("page %d nextRecordsUrl = %q, want .../query/01g...-%s", i, pages[i].NextRecordsURL, want)
			}
		}
		var ids []string
		for _, p := range pages {
			for _, r := range p.Records {
				ids = append(ids, r["Id"].(string))
			}
		}
		if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != 4500 {
			t.Fatal("records are not 4500 distinct ids in Id order")
		}
	})
	t.Run("BatchSizeHeader", func(t *testing.T) {
		cases := []struct {
			header string
			first  int
		}{
			{"batchSize=500", 500},
			{"batchSize=200", 200},
			{"batchSize=50", 200},    // below the minimum: 200
			{"batchSize=5000", 2000}, // above the maximum: 2000
			{"batchSize=lots", 2000},
			{"", 2000},
		}
		for _, tc := range cases {
			pages := queryPages(t, s, tok, "SELECT Id FROM Account", "Sforce-Query-Options", tc.header)
			if got := len(pages[0].Records); got != tc.first {
				t.Errorf("Sforce-Query-Options %q: first page %d records, want %d", tc.header, got, tc.first)
			}
		}
		pages := queryPages(t, s, tok, "SELECT Id FROM Account", "Sforce-Query-Options", "batchSize=1000")
		if got, want := sizes(pages), []int{1000, 1000, 1000, 1000, 500}; !slices.Equal(got, want) {
			t.Fatalf("batchSize=1000: page sizes = %v, want %v", got, want)
		}
	})
	t.Run("LimitAndOrder", func(t *testing.T) {
		pages := queryPages(t, s, tok, "SELECT Id, Licensed_Seats__c FROM Account WHERE Licensed_Seats__c != null ORDER BY Licensed_Seats__c DESC LIMIT 2100")
		if got, want := sizes(pages), []int{2000, 100}; !slices.Equal(got, want) {
			t.Fatalf("page sizes = %v, want %v", got, want)
		}
		var prevSeats float64 = 1e9
		prevID := ""
		for _, p := range pages {
			for _, r := range p.Records {
				seats, id := r["Licensed_Seats__c"].(float64), r["Id"].(string)
				if seats > prevSeats || (seats == prevSeats && id < prevID) {
					t.Fatalf("not ordered by seats desc then Id: %v %s after %v %s", seats, id, prevSeats, prevID)
				}
				prevSeats, prevID = seats, id
			}
		}
	})
	t.Run("Count", func(t *testing.T) {
		resp := call(t, s, tok, http.MethodGet, queryPath("SELECT COUNT() FROM Account WHERE Paying_Customer__c = false"), nil)
		var qr queryResult
		mustJSON(t, resp.body, &qr)
		want := 0
		for _, r := range s.Records("Account") {
			if r["Paying_Customer__c"] == false {
				want++
			}
		}
		if qr.TotalSize != want || !qr.Done || len(qr.Records) != 0 || want == 0 {
			t.Fatalf("COUNT() = %s, want totalSize %d", resp.body, want)
		}
	})
}

func TestQueryLocators(t *testing.T) {
	s, clk := MustServer(t, Options{Accounts: 2500, Seed: 4})
	tok := MustToken(t, s)
	first := func() string {
		resp := call(t, s, tok, http.MethodGet, queryPath("SELECT Id FROM Account"), nil)
		var qr queryResult
		mustJSON(t, resp.body, &qr)
		return qr.NextRecordsURL
	}
	invalid := func(t *testing.T, path string) {
		t.Helper()
		resp := call(t, s, tok, http.MethodGet, path, nil)
		if resp.status != http.StatusBadRequest || apiErrors(t, resp.body)[0].ErrorCode != "INVALID_QUERY_LOCATOR" {
			t.Fatalf("GET %s: status %d body %s, want 400 INVALID_QUERY_LOCATOR", path, resp.status, resp.body)
		}
	}
	t.Run("Unknown", func(t *testing.T) {
		invalid(t, "/services/data/v62.0/query/01gD0000002HU6KIAW-2000")
		invalid(t, "/services/data/v62.0/query/garbage")
	})
	t.Run("ReadAgain", func(t *testing.T) {
		next := first()
		a := call(t, s, tok, http.MethodGet, next, nil)
		b := call(t, s, tok, http.MethodGet, next, nil)
		if a.status != http.StatusOK || string(a.body) != string(b.body) {
			t.Fatalf("reading a locator twice: %d %d, same body %v", a.status, b.status, string(a.body) == string(b.body))
		}
	})
	t.Run("OffsetOutOfRange", func(t *testing.T) {
		next := first()
		invalid(t, strings.TrimSuffix(next, "-2000")+"-2500")
		invalid(t, strings.TrimSuffix(next, "-2000")+"-0")
	})
	t.Run("ExpiresAfter15IdleMinutes", func(t *testing.T) {
		next := first()
		clk.Advance(15 * time.Minute)
		if resp := call(t, s, tok, http.MethodGet, next, nil); resp.status != http.StatusOK {
			t.Fatalf("after 15 minutes: status %d", resp.status)
		}
		clk.Advance(15*time.Minute + time.Second)
		tok = MustToken(t, s) // the first token may have expired meanwhile
		invalid(t, next)
	})
	t.Run("TenOpenAtMost", func(t *testing.T) {
		oldest := first()
		for i := 0; i < 10; i++ {
			first()
		}
		invalid(t, oldest)
	})
}

var (
	dateRE     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	dateTimeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$`)
)

func TestRecordFormat(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 50, Seed: 5})
	tok := MustToken(t, s)
	resp := call(t, s, tok, http.MethodGet, queryPath("select id, name, start_date__c, systemmodstamp, paying_customer__c, nps__c, customer_health__c from account"), nil)
	var qr queryResult
	mustJSON(t, resp.body, &qr)
	sawNull := false
	for _, r := range qr.Records {
		attrs, _ := r["attributes"].(map[string]any)
		id, _ := r["Id"].(string)
		if attrs["type"] != "Account" || attrs["url"] != "/services/data/v62.0/sobjects/Account/"+id {
			t.Fatalf("attributes = %v for %s", attrs, id)
		}
		if len(id) != 18 {
			t.Fatalf("Id %q is not 18 characters", id)
		}
		if full, err := To18(id[:15]); err != nil || full != id {
			t.Fatalf("Id %q: checksum of %q is %q", id, id[:15], full)
		}
		if ms, ok := r["SystemModstamp"].(string); !ok || !dateTimeRE.MatchString(ms) {
			t.Fatalf("SystemModstamp = %v", r["SystemModstamp"])
		}
		if d, ok := r["Start_Date__c"].(string); ok && !dateRE.MatchString(d) {
			t.Fatalf("Start_Date__c = %q", d)
		}
		if _, ok := r["Paying_Customer__c"].(bool); !ok {
			t.Fatalf("Paying_Customer__c = %v, want a bool", r["Paying_Customer__c"])
		}
		for _, k := range []string{"Name", "Start_Date__c", "NPS__c", "Customer_Health__c"} {
			v, present := r[k]
			if !present {
				t.Fatalf("field %s missing from %v (fields come under their API names)", k, r)
			}
			if v == nil {
				sawNull = true
			}
		}
	}
	if !sawNull {
		t.Error("no null values among 50 generated accounts")
	}
	// The order of keys follows the SELECT list, after attributes.
	body := string(resp.body)
	if i, j := strings.Index(body, `"attributes"`), strings.Index(body, `"Id"`); i < 0 || j < i {
		t.Errorf("attributes does not come first: %.200s", body)
	}
}

func TestIDs(t *testing.T) {
	// Examples from the REST API Developer Guide's query responses.
	for _, id := range []string{"001D000000IRFmaIAH", "001D000000IomazIAB", "003RO0000035WQgYAM", "01gRO0000016PIAYA2"} {
		got, err := To18(id[:15])
		if err != nil || got != id {
			t.Errorf("To18(%q) = %q, %v, want %q", id[:15], got, err, id)
		}
		if c, err := canonicalID(strings.ToLower(id)); err != nil || c != id[:15] {
			t.Errorf("canonicalID(%q) = %q, %v, want %q", strings.ToLower(id), c, err, id[:15])
		}
	}
	for _, bad := range []string{"", "001", "001D000000IRFma!", "001D000000IRFmaIA9", "001000000000000BAA"} {
		if _, err := canonicalID(bad); err == nil {
			t.Errorf("canonicalID(%q) succeeded", bad)
		}
	}
	for n := 0; n < 200000; n += 7919 {
		id := makeID("001", n)
		if c, _ := canonicalID(id); rowOf("001", c) != n {
			t.Fatalf("row of %s = %d, want %d", id, rowOf("001", c), n)
		}
	}
}

func TestFifteenCharacterIDs(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 10, Seed: 6})
	tok := MustToken(t, s)
	id := firstID(t, s)
	short := id[:15]
	resp := call(t, s, tok, http.MethodGet, queryPath("SELECT Id FROM Account WHERE Id = '"+short+"'"), nil)
	var qr queryResult
	mustJSON(t, resp.body, &qr)
	if qr.TotalSize != 1 || qr.Records[0]["Id"] != id {
		t.Fatalf("WHERE Id = 15-char: %s", resp.body)
	}
	resp = call(t, s, tok, http.MethodGet, "/services/data/v62.0/sobjects/Account/"+short, nil)
	var rec map[string]any
	mustJSON(t, resp.body, &rec)
	if resp.status != http.StatusOK || rec["Id"] != id {
		t.Fatalf("GET by 15-char id: status %d: %s", resp.status, resp.body)
	}
	if _, ok := s.Record("Account", short); !ok {
		t.Fatal("Record by 15-char id not found")
	}
	resp = call(t, s, tok, http.MethodPatch, "/services/data/v62.0/sobjects/Account/"+short, map[string]any{"NPS__c": 9})
	if resp.status != http.StatusNoContent {
		t.Fatalf("PATCH by 15-char id: status %d: %s", resp.status, resp.body)
	}
}

func TestQueryAllReturnsDeletedRecords(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 5, Seed: 7})
	tok := MustToken(t, s)
	id := firstID(t, s)
	if err := s.Delete("Account", id); err != nil {
		t.Fatal(err)
	}
	var q, qa queryResult
	mustJSON(t, call(t, s, tok, http.MethodGet, queryPath("SELECT Id, IsDeleted FROM Account"), nil).body, &q)
	path := "/services/data/v62.0/queryAll?q=SELECT+Id,IsDeleted+FROM+Account"
	mustJSON(t, call(t, s, tok, http.MethodGet, path, nil).body, &qa)
	if q.TotalSize != 4 || qa.TotalSize != 5 {
		t.Fatalf("query %d, queryAll %d records, want 4 and 5", q.TotalSize, qa.TotalSize)
	}
	if qa.Records[0]["Id"] != id || qa.Records[0]["IsDeleted"] != true {
		t.Fatalf("queryAll first record = %v, want %s deleted", qa.Records[0], id)
	}
	if len(s.Records("Account")) != 4 {
		t.Fatal("Records includes a deleted record")
	}
	if r, ok := s.Record("Account", id); !ok || r["IsDeleted"] != true {
		t.Fatalf("Record of a deleted account = %v, %v", r, ok)
	}
}

func TestQueryErrors(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 1})
	tok := MustToken(t, s)
	cases := []struct{ q, code string }{
		{"", "MALFORMED_QUERY"},
		{"SELECT Id FROM", "MALFORMED_QUERY"},
		{"SELECT Id FROM Account WHERE Name = 'x' GROUP BY Name", "MALFORMED_QUERY"},
		{"SELECT Id, Foo__c FROM Account", "INVALID_FIELD"},
		{"SELECT Id FROM Contact", "INVALID_TYPE"},
		{"SELECT Id FROM Account WHERE Start_Date__c = '2024-01-01'", "INVALID_FIELD"},
	}
	for _, tc := range cases {
		resp := call(t, s, tok, http.MethodGet, queryPath(tc.q), nil)
		if resp.status != http.StatusBadRequest || apiErrors(t, resp.body)[0].ErrorCode != tc.code {
			t.Errorf("%q: status %d body %s, want 400 %s", tc.q, resp.status, resp.body, tc.code)
		}
	}
	resp := call(t, s, tok, http.MethodGet, queryPath("SELECT Id, Foo__c FROM Account"), nil)
	if msg := apiErrors(t, resp.body)[0].Message; !strings.Contains(msg, "ERROR at Row:1:Column:12") || !strings.Contains(msg, "No such column 'Foo__c' on entity 'Account'") {
		t.Errorf("INVALID_FIELD message = %q", msg)
	}
}

func TestQueryDateLiterals(t *testing.T) {
	s, _ := MustServer(t, Options{})
	for i, d := range []string{"2024-03-15", "2024-03-14", "2024-02-14", "2024-03-16", "2024-04-14"} {
		if _, err := s.Insert("Account", map[string]any{"Name": "A" + string(rune('0'+i)), "Start_Date__c": d}); err != nil {
			t.Fatal(err)
		}
	}
	tok := MustToken(t, s)
	// Today is 2024-03-15; 2024 is a leap year, so Feb 14 is 30 days back
	// and Apr 14 30 days ahead.
	cases := []struct {
		where string
		want  int
	}{
		{"Start_Date__c = TODAY", 1},
		{"Start_Date__c = LAST_N_DAYS:30", 3}, // Feb 14, Mar 14, Mar 15
		{"Start_Date__c = NEXT_N_DAYS:30", 2}, // Mar 16, Apr 14
		{"Start_Date__c > 2024-03-14", 3},
		{"Start_Date__c < TODAY AND NOT Start_Date__c = 2024-02-14", 1},
	}
	for _, tc := range cases {
		var qr queryResult
		mustJSON(t, call(t, s, tok, http.MethodGet, queryPath("SELECT Id FROM Account WHERE "+tc.where), nil).body, &qr)
		if qr.TotalSize != tc.want {
			t.Errorf("WHERE %s: %d records, want %d", tc.where, qr.TotalSize, tc.want)
		}
	}
}
