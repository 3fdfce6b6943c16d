package engine

import (
	"context"
	"fmt"

	"github.com/lifecycled/lifecycled/connectors/salesforce"
)

// PicklistReader reads the picklist values one record type allows.
type PicklistReader interface {
	RecordTypePicklists(ctx context.Context, object, recordTypeID string) (map[string][]salesforce.PicklistValue, error)
}

// ReadRecordTypes returns the status values each active record type of the
// object allows, by the record type's 15-character Id, and the integration
// user's default record type, for Options.RecordTypes and
// Options.DefaultRecordType. It returns nil when the object has no record
// type but the master one: then the object-wide picklist values apply.
//
// The values come from the UI API's "Get Values for All Picklist Fields of
// a Record Type" resource, the documented source of per-record-type picklist
// values (https://developer.salesforce.com/docs/atlas.en-us.uiapi.meta/uiapi/ui_api_resources_picklist_values_collection.htm);
// the sObject describe lists the object-wide values only.
func ReadRecordTypes(ctx context.Context, crm PicklistReader, object string, desc *salesforce.Describe,
	statusField string) (map[string]RecordType, string, error) {
	var active []salesforce.RecordType
	def := ""
	for _, rt := range desc.RecordTypes {
		if rt.Default {
			def = rt.ID
		}
		if rt.Active && !rt.Master {
			active = append(active, rt)
		}
	}
	if len(active) == 0 {
		return nil, "", nil
	}
	out := make(map[string]RecordType, len(active))
	for _, rt := range active {
		values, err := crm.RecordTypePicklists(ctx, object, rt.ID)
		if err != nil {
			return nil, "", fmt.Errorf("record type %s: %w", rt.Name, err)
		}
		allowed := map[string]bool{}
		for _, v := range values[statusField] {
			allowed[v.Value] = true
		}
		out[id15(rt.ID)] = RecordType{ID: rt.ID, Name: rt.Name, Status: allowed}
	}
	return out, def, nil
}
