package mapping

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// dateTimeCase is one case of testdata/datetime/*.yaml.
type dateTimeCase struct {
	Name     string   `yaml:"name"`
	Timezone string   `yaml:"timezone"`
	AsOf     string   `yaml:"as_of"`
	Value    any      `yaml:"value"`
	Date     string   `yaml:"date"`
	Tags     []string `yaml:"tags"`
	Error    string   `yaml:"error"`
}

func TestDateTimeField(t *testing.T) {
	data, err := os.ReadFile("testdata/datetime/last_login.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []dateTimeCase `yaml:"cases"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) < 10 {
		t.Fatalf("only %d cases", len(file.Cases))
	}
	for _, tc := range file.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			loc, err := time.LoadLocation(tc.Timezone)
			if err != nil {
				t.Fatal(err)
			}
			p := mustPack(t, Definition{
				Fields:     []Field{{Name: "last_login", APIName: "Last_Login__c", Type: TypeDateTime}},
				Derived:    []Rule{{Name: "day", Expr: "last_login"}},
				SmartLists: []SmartList{{Tag: "Dormant", When: "days_since(last_login) > 30"}},
				Location:   loc,
			})
			a, err := p.Decode(Record{"Id": "001", "Last_Login__c": tc.Value})
			if tc.Error != "" {
				var de *DecodeError
				if !errors.As(err, &de) || de.Field != "Last_Login__c" || de.Name != "last_login" || !strings.Contains(err.Error(), tc.Error) {
					t.Fatalf("Decode error = %v, want a DecodeError for Last_Login__c containing %q", err, tc.Error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			asOf := NewDate(2024, 1, 1)
			if tc.AsOf != "" {
				if asOf, err = ParseDate(tc.AsOf); err != nil {
					t.Fatal(err)
				}
			}
			ex := p.Explain(a, asOf)
			got := "nil"
			if d, ok := ex.Inputs[0].Value.(Date); ok {
				got = d.String()
			}
			if want := tc.Date; want != "" && got != want || want == "" && got != "nil" {
				t.Errorf("last_login = %s, want %s", got, tc.Date)
			}
			if tc.Tags != nil && !slices.Equal(ex.Result.ManagedTags, tc.Tags) && len(ex.Result.ManagedTags)+len(tc.Tags) > 0 {
				t.Errorf("tags = %q, want %q", ex.Result.ManagedTags, tc.Tags)
			}
		})
	}
}

// TestDateTimeNilLocationIsUTC: a Definition without a Location reads
// dateTimes in UTC.
func TestDateTimeNilLocationIsUTC(t *testing.T) {
	p := mustPack(t, Definition{Fields: []Field{{Name: "at", APIName: "At__c", Type: TypeDateTime}}})
	a := mustDecode(t, p, Record{"At__c": "2024-03-01T23:30:00.000-0100"})
	if got := a.vals[0].Interface(); got != NewDate(2024, 3, 2) {
		t.Fatalf("at = %v, want 2024-03-02", got)
	}
}

func TestParseFieldTypeDateTime(t *testing.T) {
	ft, err := ParseFieldType("datetime")
	if err != nil || ft != TypeDateTime || ft.String() != "datetime" {
		t.Fatalf("ParseFieldType(datetime) = %v, %v", ft, err)
	}
}
