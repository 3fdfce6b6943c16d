package salesforce

import (
	"reflect"
	"strings"
	"testing"
)

var csvTypes = map[string]string{"id": "id", "name": "string", "paying__c": "boolean", "nps__c": "double",
	"start__c": "date", "login__c": "datetime"}

func TestParseCSVPage(t *testing.T) {
	page := "\"Id\",\"Name\",\"Paying__c\",\"NPS__c\",\"Start__c\",\"Login__c\",\"Owner.Name\"\n" +
		"\"001A\",\"Acme, \"\"Best\"\" Inc.\",\"true\",\"40\",\"2024-03-01\",\"2024-03-01T12:00:00.000Z\",\"Ann\"\n" +
		"\"001B\",\"\",\"false\",\"\",\"\",\"\",\"\"\n"
	got, err := parseCSVPage([]byte(page), csvTypes)
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{
		{"Id": "001A", "Name": `Acme, "Best" Inc.`, "Paying__c": true, "NPS__c": 40.0, "Start__c": "2024-03-01",
			"Login__c": "2024-03-01T12:00:00.000+0000", "Owner.Name": "Ann"},
		{"Id": "001B", "Name": nil, "Paying__c": false, "NPS__c": nil, "Start__c": nil, "Login__c": nil, "Owner.Name": nil},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	if recs, err := parseCSVPage([]byte("\"Id\"\r\n"), csvTypes); err != nil || len(recs) != 0 {
		t.Fatalf("header only: %v, %v", recs, err)
	}
	for name, bad := range map[string]string{
		"Empty":          "",
		"RepeatedColumn": "Id,id\n1,2\n",
		"ShortRow":       "Id,Name\n001A\n",
		"BadBoolean":     "Paying__c\nyes\n",
		"BadNumber":      "NPS__c\nforty\n",
		"BadDate":        "Start__c\n03/01/2024\n",
		"BadDateTime":    "Login__c\nyesterday\n",
		"OpenQuote":      "Id\n\"001A\n",
	} {
		if _, err := parseCSVPage([]byte(bad), csvTypes); err == nil {
			t.Errorf("%s: no error", name)
		} else if strings.Contains(err.Error(), "forty") || strings.Contains(err.Error(), "yesterday") {
			t.Errorf("%s: error quotes the value: %v", name, err)
		}
	}
}

func FuzzParseCSVPage(f *testing.F) {
	f.Add([]byte("\"Id\",\"NPS__c\",\"Login__c\"\n\"001A\",\"40\",\"2024-03-01T12:00:00.000Z\"\n"))
	f.Add([]byte("Paying__c,Start__c\ntrue,2024-02-30\n"))
	f.Add([]byte("\"a\"\"b\",\n\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := parseCSVPage(data, csvTypes)
		if err != nil {
			return
		}
		for _, r := range recs {
			for k, v := range r {
				switch csvTypes[strings.ToLower(k)] {
				case "boolean":
					if _, ok := v.(bool); !ok && v != nil {
						t.Fatalf("%s = %#v, want a bool", k, v)
					}
				case "double":
					if _, ok := v.(float64); !ok && v != nil {
						t.Fatalf("%s = %#v, want a float64", k, v)
					}
				}
			}
		}
	})
}
