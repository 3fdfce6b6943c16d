package mapping_test

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/config"
	"github.com/lifecycled/lifecycled/mapping"
)

// benchAccounts is how many distinct accounts the benchmark evaluates.
const benchAccounts = 1_000_000

var bench struct {
	once  sync.Once
	pack  *mapping.Pack
	accts []mapping.Account
	asOf  mapping.Date
}

// benchSetup decodes 1,000,000 generated accounts spread over every stage of
// the default pack: onboarding, renewal, core, non-paying, missing and bad
// dates, and foreign tags.
func benchSetup(b *testing.B) {
	bench.once.Do(func() {
		pack, err := mapping.Compile(config.Default().Definition())
		if err != nil {
			b.Fatal(err)
		}
		bench.pack, bench.asOf = pack, mapping.NewDate(2024, time.June, 30)
		rng := rand.New(rand.NewPCG(1, 2))
		health := []any{"Good", "Average", "Poor", nil}
		tags := []any{nil, "VIP", "Core-Good", "VIP;Renewal-HighRisk;Partner", "30OnBoard-Poor"}
		bench.accts = make([]mapping.Account, benchAccounts)
		for i := range bench.accts {
			start := bench.asOf.AddDays(90 - rng.IntN(1500))
			seats := float64(rng.IntN(200))
			rec := mapping.Record{
				"Id":                    "001",
				"Paying_Customer__c":    rng.IntN(10) > 0,
				"Start_Date__c":         start.String(),
				"Renewal_Date__c":       start.AddDays(365 * (1 + rng.IntN(3))).String(),
				"Customer_Health__c":    health[rng.IntN(len(health))],
				"Active_Users__c":       float64(rng.IntN(int(seats) + 1)),
				"Licensed_Seats__c":     seats,
				"Last_Activity_Date__c": nil,
				"Lifecycle_Tags__c":     tags[rng.IntN(len(tags))],
			}
			if rng.IntN(20) == 0 {
				rec["Start_Date__c"] = nil
			}
			if rng.IntN(10) == 0 {
				rec["Renewal_Date__c"] = nil
			}
			a, err := pack.Decode(rec)
			if err != nil {
				b.Fatal(err)
			}
			bench.accts[i] = a
		}
	})
}

// BenchmarkEvaluateDefaultPack evaluates the default pack over 1,000,000
// distinct accounts (one account an iteration, cycling); run it with
// -benchtime 1000000x to evaluate each exactly once. It reports accounts/s.
func BenchmarkEvaluateDefaultPack(b *testing.B) {
	benchSetup(b)
	p, accts, asOf := bench.pack, bench.accts, bench.asOf
	b.ReportAllocs()
	b.ResetTimer()
	changed := 0
	for i := range b.N {
		if p.Evaluate(accts[i%len(accts)], asOf).TagsChanged {
			changed++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "accounts/s")
	if changed == 0 {
		b.Fatal("no account changed: the generated data is not spread over the stages")
	}
}

// BenchmarkDecodeAndEvaluate is the engine's per-record path: Decode a
// Salesforce record, then Evaluate it.
func BenchmarkDecodeAndEvaluate(b *testing.B) {
	pack, err := mapping.Compile(config.Default().Definition())
	if err != nil {
		b.Fatal(err)
	}
	asOf := mapping.NewDate(2024, time.June, 30)
	rec := mapping.Record{
		"Id": "001000000000001AAA", "Paying_Customer__c": true, "Start_Date__c": "2023-01-15",
		"Renewal_Date__c": "2024-08-01", "Customer_Health__c": "Good", "Active_Users__c": 40.0,
		"Licensed_Seats__c": 100.0, "Last_Activity_Date__c": "2024-06-01", "Lifecycle_Tags__c": "VIP;Core-Good",
		"Account_Lifecycle_Status__c": "Core-Good", "attributes": map[string]any{"type": "Account"},
	}
	b.ReportAllocs()
	for b.Loop() {
		a, err := pack.Decode(rec)
		if err != nil {
			b.Fatal(err)
		}
		pack.Evaluate(a, asOf)
	}
}
