package sftest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The fuzz targets cover every parser of outside input: the fault spec,
// the schema file, record IDs, JWT assertions and write bodies.

func FuzzParseFaults(f *testing.F) {
	for _, s := range []string{"", "503=0.05,seed=7", "slow=1,slow_delay=2s", "reset=0.5,,truncated=0.1", "x=y", "401=1e-3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		faults, err := ParseFaults(spec)
		if err != nil {
			return
		}
		again, err := ParseFaults(faults.String())
		if err != nil || again != faults {
			t.Fatalf("ParseFaults(%q) = %+v; String() %q parses to %+v, %v", spec, faults, faults.String(), again, err)
		}
	})
}

func FuzzParseSchema(f *testing.F) {
	f.Add([]byte(customSchema))
	f.Add([]byte(`{"objects":[{"name":"A","keyPrefix":"a01","fields":[{"name":"X","type":"int"}]}]}`))
	f.Add([]byte(`{"objects":[{"name":"A","keyPrefix":"a01","fields":[{"name":"Id","type":"string"}]}]}`))
	f.Add([]byte(`{"objects":[{"name":"A","keyPrefix":"a01","fields":[{"name":"P","type":"picklist","restrictedPicklist":true,` +
		`"picklistValues":["x",{"value":"y","label":"Why"}]}],"recordTypes":[{"developerName":"R","picklistValues":{"P":["y"]}},` +
		`{"developerName":"S","id":"012Dn0000000002","default":true}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSchema(data)
		if err != nil {
			return
		}
		// Every record type's values are values of their field, and the
		// schema survives a round trip through JSON.
		for _, o := range s.Objects {
			for _, rt := range o.recordTypes() {
				if got, ok := o.RecordType(rt.ID); !ok || got != rt {
					t.Fatalf("record type %s not found by id %s", rt.DeveloperName, rt.ID)
				}
				for name, values := range rt.PicklistValues {
					fd, _, _ := o.Field(name)
					for _, v := range values {
						if !fd.hasValue(v) || !rt.allows(fd, v) {
							t.Fatalf("record type %s allows %q of %s wrongly", rt.DeveloperName, v, name)
						}
					}
				}
			}
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if _, err := ParseSchema(out); err != nil {
			t.Fatalf("%s does not parse again: %v", out, err)
		}
		for _, o := range s.Objects {
			for _, fd := range o.Fields {
				if got, _, ok := o.Field(strings.ToUpper(fd.Name)); !ok || got != fd {
					t.Fatalf("field %s of %s not found by name", fd.Name, o.Name)
				}
			}
		}
	})
}

func FuzzCanonicalID(f *testing.F) {
	for _, s := range []string{"001D000000IRFmaIAH", "001D000000IRFma", "001d000000irfmaiah", "", "001000000000000BAA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		c, err := canonicalID(id)
		if err != nil {
			return
		}
		full, err := To18(c)
		if err != nil || len(full) != 18 || full[:15] != c {
			t.Fatalf("To18(%q) = %q, %v", c, full, err)
		}
		if back, err := canonicalID(full); err != nil || back != c {
			t.Fatalf("canonicalID(%q) = %q, %v, want %q", full, back, err, c)
		}
	})
}

func FuzzAssertion(f *testing.F) {
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJSUzI1NiJ9.e30.AAAA")
	f.Add("..")
	_, certPEM := mustKey(f)
	s, err := newServer(Options{ClientID: "c", Username: "u", JWTCertificatePEM: certPEM})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, assertion string) {
		if _, ok := s.checkAssertion(assertion, start); ok {
			t.Fatalf("an unsigned assertion %q was accepted", assertion)
		}
	})
}

func FuzzCollectionsBody(f *testing.F) {
	s, err := newServer(Options{ClientID: "c", Accounts: 3, Seed: 1, Now: func() time.Time { return start }})
	if err != nil {
		f.Fatal(err)
	}
	id := makeID("001", 0)
	f.Add(`{"allOrNone":true,"records":[{"attributes":{"type":"Account"},"id":"` + id + `","NPS__c":5}]}`)
	f.Add(`{"records":[{"attributes":{"type":"Account"},"id":"` + id + `","Start_Date__c":"2024-02-30"}]}`)
	f.Add(`{"records":[{"attributes":{"type":"Nope"}},{"id":5},null,[]]}`)
	f.Add(`{"records":[{"attributes":"x","Id":"` + id + `","Name":{"a":[1]}}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPatch, "/services/data/v62.0/composite/sobjects", strings.NewReader(body))
		rec := httptest.NewRecorder()
		s.handleCollections(rec, req, "62.0", nil)
		if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		req = httptest.NewRequest(http.MethodPatch, "/services/data/v62.0/sobjects/Account/"+id, strings.NewReader(body))
		rec = httptest.NewRecorder()
		s.handleRecord(rec, req, "62.0", []string{"sobjects", "Account", id})
		if rec.Code != http.StatusNoContent && rec.Code != http.StatusBadRequest {
			t.Fatalf("single PATCH: status %d for %q", rec.Code, body)
		}
	})
}
