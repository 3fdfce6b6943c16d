package config

import (
	"strings"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/mapping"
)

func TestOtherwiseKeep(t *testing.T) {
	rules := "status:\n  rules:\n    - when: 'paying'\n      value: \"Paying\"\n"
	keep := mustParse(t, auth+rules+"  otherwise: keep\n")
	if !keep.Status.OtherwiseKeep || keep.Status.Otherwise != nil || !keep.Definition().OtherwiseKeep {
		t.Fatalf("bare keep: keep %v, otherwise %v", keep.Status.OtherwiseKeep, keep.Status.Otherwise)
	}
	for _, quoted := range []string{`"keep"`, `'keep'`} {
		lit := mustParse(t, auth+rules+"  otherwise: "+quoted+"\n")
		if lit.Status.OtherwiseKeep || lit.Status.Otherwise == nil || *lit.Status.Otherwise != "keep" {
			t.Fatalf("%s: keep %v, otherwise %v", quoted, lit.Status.OtherwiseKeep, lit.Status.Otherwise)
		}
		if lit.RulesVersion() == keep.RulesVersion() {
			t.Errorf("%s and bare keep have the same RulesVersion", quoted)
		}
	}
	null := mustParse(t, auth+rules+"  otherwise: null\n")
	if null.RulesVersion() == keep.RulesVersion() {
		t.Error("keep and null have the same RulesVersion")
	}
	// The default pack's rules with otherwise keep: the file's otherwise wins.
	pack := mustParse(t, auth+"status:\n  otherwise: keep\n")
	if !pack.Status.OtherwiseKeep || len(pack.Status.Rules) == 0 {
		t.Fatalf("default pack + keep: keep %v, %d rules", pack.Status.OtherwiseKeep, len(pack.Status.Rules))
	}
	if pack.RulesVersion() == mustParse(t, auth).RulesVersion() {
		t.Error("otherwise keep does not change the default pack's RulesVersion")
	}
	_, err := Parse([]byte(auth+"status:\n  rules:\n    - when: 'paying'\n      value: keep\n"), "lifecycled.yaml", env(nil))
	if err == nil || !strings.Contains(err.Error(), "lifecycled.yaml:9: status.rules[0].value: keep is only for status.otherwise") {
		t.Fatalf("bare keep as a rule value: %v", err)
	}
}

func TestDateTimeField(t *testing.T) {
	c := mustParse(t, auth+"fields:\n  last_login: Last_Login__c:datetime\n"+
		"tags:\n  smart_lists:\n    - tag: Dormant\n      when: 'days_since(last_login) > 30'\nsync:\n  timezone: Europe/Paris\n")
	if got := c.Fields[0]; got.Type != mapping.TypeDateTime || got.APIName != "Last_Login__c" {
		t.Fatalf("field = %+v", got)
	}
	def := c.Definition()
	if def.Location == nil || def.Location.String() != "Europe/Paris" {
		t.Fatalf("Definition().Location = %v, want Europe/Paris", def.Location)
	}
	pack, err := mapping.Compile(def)
	if err != nil {
		t.Fatal(err)
	}
	a, err := pack.Decode(mapping.Record{"Last_Login__c": "2024-03-01T23:30:00.000+0000"})
	if err != nil {
		t.Fatal(err)
	}
	// 23:30 UTC is March 2 in Paris: 30 days before April 1, not Dormant.
	if res := pack.Evaluate(a, mapping.NewDate(2024, 4, 1)); res.ManagedTags != nil {
		t.Errorf("tags = %q, want none", res.ManagedTags)
	}
	utc := mustParse(t, auth+"fields:\n  last_login: Last_Login__c:datetime\n"+
		"tags:\n  smart_lists:\n    - tag: Dormant\n      when: 'days_since(last_login) > 30'\n")
	if utc.RulesVersion() == c.RulesVersion() {
		t.Error("the timezone does not change RulesVersion with a datetime field")
	}
	plain, paris := mustParse(t, auth), mustParse(t, auth+"sync:\n  timezone: Europe/Paris\n")
	if plain.RulesVersion() != paris.RulesVersion() {
		t.Error("the timezone changes RulesVersion without a datetime field")
	}
}

func TestSyncAndDuplicateKeys(t *testing.T) {
	d := mustParse(t, auth)
	if !d.Salesforce.AllowSaveOnDuplicates || d.Sync.RetryRejectedAfter != 24*time.Hour {
		t.Fatalf("defaults: allow_save %v, retry %v", d.Salesforce.AllowSaveOnDuplicates, d.Sync.RetryRejectedAfter)
	}
	c := mustParse(t, auth+"  allow_save_on_duplicates: false\nsync:\n  retry_rejected_after: 6h\n")
	if c.Salesforce.AllowSaveOnDuplicates || c.Sync.RetryRejectedAfter != 6*time.Hour {
		t.Fatalf("allow_save %v, retry %v", c.Salesforce.AllowSaveOnDuplicates, c.Sync.RetryRejectedAfter)
	}
	for _, tt := range []struct{ yaml, want string }{
		{auth + "  allow_save_on_duplicates: yes\n", `lifecycled.yaml:6: salesforce.allow_save_on_duplicates: want true or false, got "yes"`},
		{auth + "sync:\n  interval: 1h\n  retry_rejected_after: 30m\n", "lifecycled.yaml:8: sync.retry_rejected_after: must not be shorter than sync.interval (1h0m0s)"},
		{auth + "sync:\n  retry_rejected_after: soon\n", "lifecycled.yaml:7: sync.retry_rejected_after: want a duration"},
	} {
		if _, err := Parse([]byte(tt.yaml), "lifecycled.yaml", env(nil)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error = %v, want %q", err, tt.want)
		}
	}
}
