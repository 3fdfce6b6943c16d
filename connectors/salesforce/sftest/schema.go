package sftest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Schema is the set of objects the emulator serves, with their fields as
// describe reports them. Build one with DefaultSchema or ParseSchema; it is
// read-only afterwards.
type Schema struct {
	Objects []*ObjectSchema `json:"objects"`

	byName map[string]*ObjectSchema // lower-case name -> object
}

// ObjectSchema is one sObject type. KeyPrefix is the three characters every
// record ID of the object starts with (Account is "001").
type ObjectSchema struct {
	Name        string              `json:"name"`
	Label       string              `json:"label"`
	LabelPlural string              `json:"labelPlural"`
	KeyPrefix   string              `json:"keyPrefix"`
	Fields      []*FieldSchema      `json:"fields"`
	RecordTypes []*RecordTypeSchema `json:"recordTypes,omitempty"`

	byName map[string]int               // lower-case name -> index in Fields
	master *RecordTypeSchema            // the master record type
	rtByID map[string]*RecordTypeSchema // canonical 15-character ID -> record type, the master included
}

// FieldSchema is one field, with the metadata describe returns for it
// (Describe sObject field properties, SOAP API Developer Guide "Field",
// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm).
// Type is a describe type: id, reference, string, textarea, picklist, email,
// phone, url, boolean, date, datetime, double, currency, percent or int.
type FieldSchema struct {
	Name               string          `json:"name"`
	Label              string          `json:"label"`
	Type               string          `json:"type"`
	Length             int             `json:"length,omitempty"`
	Updateable         bool            `json:"updateable"`
	Nillable           bool            `json:"nillable"`
	PicklistValues     []PicklistValue `json:"picklistValues,omitempty"`
	RestrictedPicklist bool            `json:"restrictedPicklist,omitempty"`
	Precision          int             `json:"precision,omitempty"`
	Scale              int             `json:"scale,omitempty"`

	kind kind
}

// kind is how a field's values are stored and compared.
type kind uint8

const (
	kString kind = iota
	kID
	kNumber
	kBool
	kDate
	kDateTime
)

var typeKinds = map[string]kind{
	"id": kID, "reference": kID,
	"string": kString, "textarea": kString, "picklist": kString, "email": kString, "phone": kString, "url": kString,
	"boolean":  kBool,
	"date":     kDate,
	"datetime": kDateTime,
	"double":   kNumber, "currency": kNumber, "percent": kNumber, "int": kNumber,
}

// Custom reports whether the field is a custom field (its name ends in __c).
func (f *FieldSchema) Custom() bool { return isCustom(f.Name) }

// isCustom reports whether an object or field name is custom (ends in __c).
func isCustom(name string) bool { return strings.HasSuffix(strings.ToLower(name), "__c") }

// Object returns the object named name, case-insensitively.
func (s *Schema) Object(name string) (*ObjectSchema, bool) {
	o, ok := s.byName[strings.ToLower(name)]
	return o, ok
}

// Field returns the field named name, case-insensitively, and its index.
func (o *ObjectSchema) Field(name string) (*FieldSchema, int, bool) {
	i, ok := o.byName[strings.ToLower(name)]
	if !ok {
		return nil, -1, false
	}
	return o.Fields[i], i, true
}

// systemFields are present on every object whether or not a schema file
// lists them; the emulator maintains them and they are never updateable.
var systemFields = []FieldSchema{
	{Name: "Id", Label: "Record ID", Type: "id", Length: 18},
	{Name: "IsDeleted", Label: "Deleted", Type: "boolean"},
	{Name: "CreatedDate", Label: "Created Date", Type: "datetime"},
	{Name: "LastModifiedDate", Label: "Last Modified Date", Type: "datetime"},
	{Name: "SystemModstamp", Label: "System Modstamp", Type: "datetime"},
	// CreatedById and LastModifiedById are lookups to User on every object
	// (see users.go).
	{Name: "CreatedById", Label: "Created By ID", Type: "reference", Length: 18},
	{Name: "LastModifiedById", Label: "Last Modified By ID", Type: "reference", Length: 18},
}

// ParseSchema reads a schema file: {"objects":[{"name":"Account",
// "keyPrefix":"001","fields":[{"name":"Start_Date__c","type":"date",
// "updateable":true,"nillable":true}, ...], "recordTypes":[...]}]}. The
// system fields Id, IsDeleted, CreatedDate, LastModifiedDate,
// SystemModstamp, CreatedById and LastModifiedById are added to every object that does not list them, and
// RecordTypeId to an object with record types (see RecordTypeSchema).
// Picklist values are strings or {"value","label"} objects (PicklistValue).
func ParseSchema(data []byte) (*Schema, error) {
	var s Schema
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("parse schema: %w", err)
	}
	if err := s.init(); err != nil {
		return nil, fmt.Errorf("parse schema: %w", err)
	}
	return &s, nil
}

// init validates the schema, adds the system fields and builds the indexes.
func (s *Schema) init() error {
	if len(s.Objects) == 0 {
		return errors.New("no objects")
	}
	s.byName = map[string]*ObjectSchema{}
	prefixes := map[string]string{}
	for i, o := range s.Objects {
		if o == nil || o.Name == "" {
			return fmt.Errorf("objects[%d]: missing name", i)
		}
		if _, dup := s.byName[strings.ToLower(o.Name)]; dup {
			return fmt.Errorf("object %s: defined twice", o.Name)
		}
		if !validPrefix(o.KeyPrefix) {
			return fmt.Errorf("object %s: keyPrefix %q: want three letters or digits", o.Name, o.KeyPrefix)
		}
		if other, dup := prefixes[o.KeyPrefix]; dup {
			return fmt.Errorf("object %s: keyPrefix %s already used by %s", o.Name, o.KeyPrefix, other)
		}
		prefixes[o.KeyPrefix] = o.Name
		if o.Label == "" {
			o.Label = o.Name
		}
		if o.LabelPlural == "" {
			o.LabelPlural = o.Label + "s"
		}
		if err := o.init(); err != nil {
			return fmt.Errorf("object %s: %w", o.Name, err)
		}
		s.byName[strings.ToLower(o.Name)] = o
	}
	return nil
}

func (o *ObjectSchema) init() error {
	o.byName = map[string]int{}
	var fields []*FieldSchema
	for _, sf := range systemFields {
		f := sf
		fields = append(fields, &f)
	}
	for i, f := range o.Fields {
		if f == nil || f.Name == "" {
			return fmt.Errorf("fields[%d]: missing name", i)
		}
		sys := false
		for j := range systemFields {
			if strings.EqualFold(systemFields[j].Name, f.Name) {
				sys = true
			}
		}
		if sys {
			continue // the emulator owns the system fields
		}
		fields = append(fields, f)
	}
	o.Fields = fields
	for i, f := range o.Fields {
		k, ok := typeKinds[f.Type]
		if !ok {
			return fmt.Errorf("field %s: unknown type %q", f.Name, f.Type)
		}
		f.kind = k
		if f.Label == "" {
			f.Label = strings.ReplaceAll(strings.TrimSuffix(f.Name, "__c"), "_", " ")
		}
		switch f.Type {
		case "string", "picklist", "email", "phone", "url":
			if f.Length == 0 {
				f.Length = 255
			}
		case "textarea":
			if f.Length == 0 {
				f.Length = 32768
			}
		case "double", "currency", "percent", "int":
			if f.Precision == 0 {
				f.Precision = 18
			}
		}
		if f.RestrictedPicklist && len(f.PicklistValues) == 0 {
			return fmt.Errorf("field %s: restricted picklist without values", f.Name)
		}
		seen := map[string]bool{}
		for j := range f.PicklistValues {
			pv := &f.PicklistValues[j]
			if pv.Value == "" || seen[pv.Value] {
				return fmt.Errorf("field %s: picklist value %q empty or listed twice", f.Name, pv.Value)
			}
			seen[pv.Value] = true
			if pv.Label == "" {
				pv.Label = pv.Value
			}
		}
		if _, dup := o.byName[strings.ToLower(f.Name)]; dup {
			return fmt.Errorf("field %s: defined twice", f.Name)
		}
		o.byName[strings.ToLower(f.Name)] = i
	}
	return o.initRecordTypes()
}

func validPrefix(p string) bool {
	if len(p) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if !isAlnum(p[i]) {
			return false
		}
	}
	return true
}

// statusValues are the twelve values of Account_Lifecycle_Status__c in the
// default schema.
var statusValues = []string{
	"30 Day OnBoard-Good", "30 Day OnBoard-Poor",
	"60 Day OnBoard-Good", "60 Day OnBoard-Poor",
	"90 Day OnBoard-Good", "90 Day OnBoard-Poor",
	"Core-Good", "Core-Average", "Core-Poor",
	"Renewal-Low Risk", "Renewal-Average Risk", "Renewal-High Risk",
}

// Record types of DefaultSchema's Account. Partner allows only the Core
// statuses of Account_Lifecycle_Status__c.
const (
	CustomerRecordTypeID = "012Dn0000000001IAA"
	PartnerRecordTypeID  = "012Dn0000000002IAA"
)

// partnerStatuses are the Account_Lifecycle_Status__c values the Partner
// record type allows.
var partnerStatuses = []string{"Core-Good", "Core-Average", "Core-Poor"}

// DefaultSchema returns the built-in schema: Task (see taskSchema) and
// Account with the standard
// fields Id, Name, Type, OwnerId, RecordTypeId, CreatedDate,
// LastModifiedDate, SystemModstamp and IsDeleted, the custom fields of
// lifecycled's default configuration (issue 3), Last_Login__c (dateTime) and
// ARR__c (currency: the contract value, generated for paying accounts).
// Customer_Health__c's values carry labels that differ from
// them (Good is "Healthy"). Account has the record types Customer (the
// default; every value of every picklist) and Partner (only Core-Good,
// Core-Average and Core-Poor of Account_Lifecycle_Status__c), besides the
// master.
func DefaultSchema() *Schema {
	s := &Schema{Objects: []*ObjectSchema{{
		Name: "Account", Label: "Account", LabelPlural: "Accounts", KeyPrefix: "001",
		Fields: []*FieldSchema{
			{Name: "Name", Label: "Account Name", Type: "string", Length: 255, Updateable: true},
			{Name: "Type", Label: "Account Type", Type: "picklist", Length: 255, Updateable: true, Nillable: true,
				PicklistValues: picklist("Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller", "Installation Partner", "Technology Partner", "Other")},
			{Name: "OwnerId", Label: "Owner ID", Type: "reference", Length: 18, Updateable: true},
			{Name: "RecordTypeId", Label: "Record Type ID", Type: "reference", Length: 18, Updateable: true, Nillable: true},
			{Name: "Start_Date__c", Label: "Start Date", Type: "date", Updateable: true, Nillable: true},
			{Name: "Renewal_Date__c", Label: "Renewal Date", Type: "date", Updateable: true, Nillable: true},
			{Name: "Paying_Customer__c", Label: "Paying Customer", Type: "boolean", Updateable: true},
			{Name: "Customer_Health__c", Label: "Customer Health", Type: "picklist", Length: 255, Updateable: true, Nillable: true,
				PicklistValues:     []PicklistValue{{Value: "Good", Label: "Healthy"}, {Value: "Average", Label: "Needs Attention"}, {Value: "Poor", Label: "At Risk"}},
				RestrictedPicklist: true},
			{Name: "Active_Users__c", Label: "Active Users", Type: "double", Precision: 18, Updateable: true, Nillable: true},
			{Name: "Licensed_Seats__c", Label: "Licensed Seats", Type: "double", Precision: 18, Updateable: true, Nillable: true},
			{Name: "Last_Activity_Date__c", Label: "Last Activity Date", Type: "date", Updateable: true, Nillable: true},
			{Name: "Last_Login__c", Label: "Last Login", Type: "datetime", Updateable: true, Nillable: true},
			{Name: "NPS__c", Label: "NPS", Type: "double", Precision: 3, Updateable: true, Nillable: true},
			{Name: "ARR__c", Label: "ARR", Type: "currency", Precision: 18, Scale: 2, Updateable: true, Nillable: true},
			{Name: "Lifecycle_Tags__c", Label: "Lifecycle Tags", Type: "textarea", Length: 32768, Updateable: true, Nillable: true},
			{Name: "Account_Lifecycle_Status__c", Label: "Account Lifecycle Status", Type: "picklist", Length: 255, Updateable: true, Nillable: true,
				PicklistValues: picklist(statusValues...), RestrictedPicklist: true},
		},
		RecordTypes: []*RecordTypeSchema{
			{ID: CustomerRecordTypeID, Name: "Customer", DeveloperName: "Customer", Default: true},
			{ID: PartnerRecordTypeID, Name: "Partner", DeveloperName: "Partner",
				PicklistValues: map[string][]string{"Account_Lifecycle_Status__c": partnerStatuses}},
		},
	}, taskSchema()}}
	if err := s.init(); err != nil {
		panic("sftest: default schema: " + err.Error()) // a programming error, covered by tests
	}
	return s
}
