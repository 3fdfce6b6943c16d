package engine_test

import (
	"strings"
	"testing"

	"github.com/lifecycled/lifecycled/config"
	"github.com/lifecycled/lifecycled/connectors/salesforce"
	"github.com/lifecycled/lifecycled/internal/engine"
	"github.com/lifecycled/lifecycled/mapping"
)

// orgDescribe is an Account describe that fits the default config.
func orgDescribe() *salesforce.Describe {
	f := func(name, typ string, length int, updateable bool, values ...string) salesforce.FieldDescribe {
		d := salesforce.FieldDescribe{Name: name, Type: typ, Length: length, Updateable: updateable, Custom: true, Nillable: true}
		for _, v := range values {
			d.PicklistValues = append(d.PicklistValues, salesforce.PicklistValue{Value: v, Label: v, Active: true})
		}
		d.RestrictedPicklist = len(values) > 0
		return d
	}
	statuses := []string{"30 Day OnBoard-Good", "30 Day OnBoard-Poor", "60 Day OnBoard-Good", "60 Day OnBoard-Poor",
		"90 Day OnBoard-Good", "90 Day OnBoard-Poor", "Core-Good", "Core-Average", "Core-Poor",
		"Renewal-Low Risk", "Renewal-Average Risk", "Renewal-High Risk"}
	return &salesforce.Describe{Name: "Account", Fields: []salesforce.FieldDescribe{
		f("Id", "id", 18, false),
		f("Start_Date__c", "date", 0, true),
		f("Renewal_Date__c", "date", 0, true),
		f("Paying_Customer__c", "boolean", 0, true),
		f("Customer_Health__c", "picklist", 255, true, "Good", "Average", "Poor"),
		f("Active_Users__c", "double", 0, true),
		f("Licensed_Seats__c", "double", 0, true),
		f("Last_Activity_Date__c", "date", 0, true),
		f("Lifecycle_Tags__c", "textarea", 32768, true),
		f("Account_Lifecycle_Status__c", "picklist", 255, true, statuses...),
	}}
}

func TestCheckSchema(t *testing.T) {
	pack, err := mapping.Compile(config.Default().Definition())
	if err != nil {
		t.Fatal(err)
	}
	if p := engine.CheckSchema(pack, orgDescribe()); len(p) != 0 {
		t.Fatalf("problems with a fitting org: %v", p)
	}
	field := func(d *salesforce.Describe, name string) *salesforce.FieldDescribe {
		for i := range d.Fields {
			if d.Fields[i].Name == name {
				return &d.Fields[i]
			}
		}
		t.Fatalf("no field %s", name)
		return nil
	}
	for _, tc := range []struct {
		name    string
		change  func(d *salesforce.Describe)
		field   string
		warning bool
		says    string
	}{
		{"FormulaInputIsAWarning", func(d *salesforce.Describe) { field(d, "Active_Users__c").Calculated = true },
			"Active_Users__c", true, "formula"},
		{"WrongType", func(d *salesforce.Describe) { field(d, "Start_Date__c").Type = "string" },
			"Start_Date__c", false, "string field"},
		{"MissingInput", func(d *salesforce.Describe) { d.Fields = d.Fields[:len(d.Fields)-3] },
			"Last_Activity_Date__c", false, "no such field"},
		{"TagsNotUpdateable", func(d *salesforce.Describe) { field(d, "Lifecycle_Tags__c").Updateable = false },
			"Lifecycle_Tags__c", false, "not updateable"},
		{"TagsTooShort", func(d *salesforce.Describe) { field(d, "Lifecycle_Tags__c").Length = 64 },
			"Lifecycle_Tags__c", true, "holds 64 characters; the longest managed-tag set"},
		{"TagsTextField255", func(d *salesforce.Describe) {
			f := field(d, "Lifecycle_Tags__c")
			f.Type, f.Length = "string", 255
		}, "Lifecycle_Tags__c", true, "holds 255 characters"},
		{"PicklistLabelInRule", func(d *salesforce.Describe) {
			f := field(d, "Customer_Health__c")
			f.PicklistValues = []salesforce.PicklistValue{{Value: "GREEN", Label: "Good", Active: true},
				{Value: "YELLOW", Label: "Average", Active: true}, {Value: "RED", Label: "Poor", Active: true}}
		}, "Customer_Health__c", true, `"Good" is the label of the value "GREEN"`},
		{"StatusValueInactive", func(d *salesforce.Describe) {
			field(d, "Account_Lifecycle_Status__c").PicklistValues[6].Active = false
		}, "Account_Lifecycle_Status__c", false, `"Core-Good"`},
		{"StatusNotUpdateable", func(d *salesforce.Describe) { field(d, "Account_Lifecycle_Status__c").Updateable = false },
			"Account_Lifecycle_Status__c", false, "not updateable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := orgDescribe()
			tc.change(d)
			found := false
			for _, p := range engine.CheckSchema(pack, d) {
				if p.Field == tc.field && p.Warning == tc.warning && strings.Contains(p.Message, tc.says) {
					found = true
				}
			}
			if !found {
				t.Fatalf("problems %v: want one for %s saying %q (warning %v)", engine.CheckSchema(pack, d), tc.field, tc.says, tc.warning)
			}
		})
	}
}
