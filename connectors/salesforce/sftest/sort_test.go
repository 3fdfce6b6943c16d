package sftest

import (
	"slices"
	"testing"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest/soql"
)

// TestFastSortMatchesPlanLess checks that the typed sort gives exactly the
// order that soql.Plan.Less defines, ties in Id order.
func TestFastSortMatchesPlanLess(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 3000, Seed: 21})
	for _, name := range []string{"éclair", "Éclair", "eclair", "ECLAIR", "zeta", "Zeta", "ß", "SS"} {
		if _, err := s.Insert("Account", map[string]any{"Name": name}); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(s.Close)
	orders := []string{
		"Name", "Name DESC", "Name DESC NULLS LAST, Id DESC", "Lifecycle_Tags__c NULLS LAST", "Lifecycle_Tags__c DESC NULLS FIRST",
		"Start_Date__c", "Start_Date__c DESC", "Renewal_Date__c NULLS LAST, Name", "SystemModstamp, Id", "CreatedDate DESC",
		"Paying_Customer__c, NPS__c DESC", "NPS__c NULLS LAST", "Licensed_Seats__c DESC NULLS LAST, Active_Users__c",
		"OwnerId, Customer_Health__c", "Id DESC", "Account_Lifecycle_Status__c, Id",
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	tab := s.tables["Account"]
	idx := map[string]int{}
	for i, f := range tab.obj.Fields {
		idx[f.Name] = i
	}
	for _, o := range orders {
		q, err := soql.Parse("SELECT Id FROM Account ORDER BY " + o)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := q.Bind(soqlSchema{s.schema}, start)
		if err != nil {
			t.Fatal(err)
		}
		rows := make([]int32, tab.n)
		for i := range rows {
			rows[i] = int32(i)
		}
		fast, slow := slices.Clone(rows), slices.Clone(rows)
		if _, ok := probeOrder(tab, plan, idx); !ok {
			t.Errorf("ORDER BY %s: the probe failed", o)
		}
		sortRows(tab, plan, fast, idx)
		slowSort(tab, plan, slow, idx)
		if !slices.Equal(fast, slow) {
			i := 0
			for fast[i] == slow[i] {
				i++
			}
			t.Errorf("ORDER BY %s: orders differ at %d: %v vs %v", o, i, tab.record(int(fast[i])), tab.record(int(slow[i])))
		}
	}
}
