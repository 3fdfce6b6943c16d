package sftest

// taskSchema is the Task object of DefaultSchema, with the fields of
// "Task", Object Reference for the Salesforce Platform
// (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_task.htm;
// labels and lengths from the Salesforce Field Reference Guide, "Task",
// https://developer.salesforce.com/docs/atlas.en-us.sfFieldRef.meta/sfFieldRef/salesforce_field_reference_Task.htm):
// Subject (string 255, "Subject"), Description (textarea 32000,
// "Comments"), OwnerId (reference, "Assigned To ID"; defaulted on create to
// the user creating it), WhatId (reference, "Related To ID"), WhoId
// (reference, "Name ID"), ActivityDate (date, "Due Date Only"), Priority
// (picklist High, Normal, Low; defaulted on create to Normal), Status
// (picklist Not Started, In Progress, Completed, Waiting on someone else,
// Deferred; defaulted on create to Not Started), Type (picklist) and the
// custom field Lifecycled_Play_Key__c (text 255), in which lifecycled
// writes a play's deterministic key (see docs/salesforce-emulator.md,
// "Task"). Task's key prefix is 00T.
func taskSchema() *ObjectSchema {
	return &ObjectSchema{
		Name: "Task", Label: "Task", LabelPlural: "Tasks", KeyPrefix: "00T",
		Fields: []*FieldSchema{
			{Name: "Subject", Label: "Subject", Type: "string", Length: 255, Updateable: true, Nillable: true},
			{Name: "Description", Label: "Comments", Type: "textarea", Length: 32000, Updateable: true, Nillable: true},
			{Name: "OwnerId", Label: "Assigned To ID", Type: "reference", Length: 18, Updateable: true},
			{Name: "WhatId", Label: "Related To ID", Type: "reference", Length: 18, Updateable: true, Nillable: true},
			{Name: "WhoId", Label: "Name ID", Type: "reference", Length: 18, Updateable: true, Nillable: true},
			{Name: "ActivityDate", Label: "Due Date Only", Type: "date", Updateable: true, Nillable: true},
			{Name: "Priority", Label: "Priority", Type: "picklist", Length: 40, Updateable: true,
				PicklistValues: picklist("High", "Normal", "Low")},
			{Name: "Status", Label: "Status", Type: "picklist", Length: 40, Updateable: true,
				PicklistValues: picklist("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")},
			{Name: "Type", Label: "Type", Type: "picklist", Length: 40, Updateable: true, Nillable: true,
				PicklistValues: picklist("Call", "Email", "Meeting", "Other")},
			{Name: "Lifecycled_Play_Key__c", Label: "Lifecycled Play Key", Type: "string", Length: 255, Updateable: true, Nillable: true},
		},
	}
}

// createDefaults are the values Salesforce gives a new record's fields
// that are "Defaulted on create" (Object Reference, Task: OwnerId,
// Priority, Status) when the request leaves them out. OwnerId defaults to
// the user who creates the record.
var createDefaults = map[string]map[string]any{
	"Task": {"OwnerId": IntegrationUserID, "Priority": "Normal", "Status": "Not Started"},
}
