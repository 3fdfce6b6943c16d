package mapping_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/config"
	"github.com/lifecycled/lifecycled/internal/oracle"
	"github.com/lifecycled/lifecycled/mapping"
	"gopkg.in/yaml.v3"
)

// caseFile is one mapping/testdata/*.yaml file: rule cases as a RevOps admin
// would write them, run against the default pack.
type caseFile struct {
	AsOf  string     `yaml:"as_of"`
	Cases []ruleCase `yaml:"cases"`
}

type ruleCase struct {
	Name          string         `yaml:"name"`
	AsOf          string         `yaml:"as_of"`
	Account       map[string]any `yaml:"account"` // rule names -> values
	CurrentTags   *string        `yaml:"current_tags"`
	CurrentStatus *string        `yaml:"current_status"`
	Tags          []string       `yaml:"tags"` // managed tags, in smart-list order
	Status        *string        `yaml:"status"`
	TagsValue     *yamlOpt       `yaml:"tags_value"`
	TagsChanged   *bool          `yaml:"tags_changed"`
	StatusChanged *bool          `yaml:"status_changed"`
}

// yamlOpt tells an explicit null from an absent key.
type yamlOpt struct{ v *string }

func (o *yamlOpt) UnmarshalYAML(n *yaml.Node) error {
	if n.Tag == "!!null" {
		return nil
	}
	o.v = &n.Value
	return nil
}

func TestDefaultPackTable(t *testing.T) {
	cfg := config.Default()
	pack, err := mapping.Compile(cfg.Definition())
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	total := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var cf caseFile
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		if err := dec.Decode(&cf); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, tc := range cf.Cases {
			total++
			t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml")+"/"+tc.Name, func(t *testing.T) {
				asOfText := tc.AsOf
				if asOfText == "" {
					asOfText = cf.AsOf
				}
				asOf, err := mapping.ParseDate(asOfText)
				if err != nil {
					t.Fatalf("as_of: %v", err)
				}
				rec := record(t, cfg, tc)
				acct, err := pack.Decode(rec)
				if err != nil {
					t.Fatal(err)
				}
				res := pack.Evaluate(acct, asOf)
				if !slices.Equal(res.ManagedTags, tc.Tags) {
					t.Errorf("managed tags = %q, want %q", res.ManagedTags, tc.Tags)
				}
				if got, want := show(res.Status), show(tc.Status); got != want {
					t.Errorf("status = %s, want %s", got, want)
				}
				if tc.TagsValue != nil {
					if got, want := show(res.Tags), show(tc.TagsValue.v); got != want {
						t.Errorf("tags value = %s, want %s", got, want)
					}
				}
				if tc.TagsChanged != nil && res.TagsChanged != *tc.TagsChanged {
					t.Errorf("tags changed = %v, want %v", res.TagsChanged, *tc.TagsChanged)
				}
				if tc.StatusChanged != nil && res.StatusChanged != *tc.StatusChanged {
					t.Errorf("status changed = %v, want %v", res.StatusChanged, *tc.StatusChanged)
				}

				// The oracle, a plain-Go restatement of the issue's
				// definitions, must agree with every case.
				today := time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
				otags, ostatus := oracle.Expect(rec, today)
				if got, want := sortedKeys(otags), sorted(tc.Tags); !slices.Equal(got, want) {
					t.Errorf("oracle tags = %q, table wants %q", got, want)
				}
				if got, want := show(ostatus), show(tc.Status); got != want {
					t.Errorf("oracle status = %s, table wants %s", got, want)
				}
			})
		}
	}
	if total < 50 {
		t.Errorf("only %d cases in testdata", total)
	}
}

// record builds a Salesforce record from a case's account, keyed by the
// config's rule names.
func record(t *testing.T, cfg *config.Config, tc ruleCase) mapping.Record {
	t.Helper()
	rec := mapping.Record{"Id": "001000000000001AAA"}
	for _, f := range cfg.Fields {
		rec[f.APIName] = nil
	}
	for name, v := range tc.Account {
		i := slices.IndexFunc(cfg.Fields, func(f mapping.Field) bool { return f.Name == name })
		if i < 0 {
			t.Fatalf("account: unknown field %s", name)
		}
		switch x := v.(type) {
		case time.Time:
			v = x.Format(time.DateOnly)
		case int:
			v = float64(x)
		}
		rec[cfg.Fields[i].APIName] = v
	}
	if tc.CurrentTags != nil {
		rec[cfg.Tags.Field] = *tc.CurrentTags
	}
	if tc.CurrentStatus != nil {
		rec[cfg.Status.Field] = *tc.CurrentStatus
	}
	return rec
}

func show(s *string) string {
	if s == nil {
		return "null"
	}
	return fmt.Sprintf("%q", *s)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	if out == nil {
		out = []string{}
	}
	return out
}
