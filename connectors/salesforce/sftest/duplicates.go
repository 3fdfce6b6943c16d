package sftest

import (
	"net/http"
	"strings"
)

// The org has one active duplicate rule, on Account: its matching rule
// compares Name exactly, ignoring letter case, with every other live
// Account, and its action on create and on edit is Allow with an alert
// ("Duplicate Rules", Salesforce Help,
// https://help.salesforce.com/s/articleView?id=sf.duplicate_rules_map_of_reference.htm).
// Duplicate rules run on every save of a record, whichever field the save
// changes, after the validation rules ("Triggers and Order of Execution").
// An API save of a record whose Name matches another's fails with
// DUPLICATES_DETECTED unless the request carries
// "Sforce-Duplicate-Rule-Header: allowSave=true" ("Duplicate Rule Header",
// REST API Developer Guide,
// https://developer.salesforce.com/docs/platform/api-rest/guide/headers-duplicaterules.html:
// "allowSave ... true—allow the user to acknowledge the alert and save the
// duplicate record"; the default of every field is false).
const (
	duplicateObject    = "Account"
	duplicateRuleName  = "Standard_Account_Duplicate_Rule"
	matchingRuleName   = "Standard_Account_Match_Rule_v1_0"
	duplicateAlert     = "You're creating a duplicate record. We recommend you use an existing record instead."
	duplicatesDetected = "Use one of these records?"
)

// dupHeader is a request's Sforce-Duplicate-Rule-Header.
type dupHeader struct {
	allowSave, includeRecordDetails bool
}

// parseDupHeader reads "allowSave=true; includeRecordDetails=true;
// runAsCurrentUser=true" (fields separated by ";" or ",", any order, names
// and values case-insensitive). A missing or malformed field is false.
func parseDupHeader(h http.Header) dupHeader {
	var d dupHeader
	for _, v := range h.Values("Sforce-Duplicate-Rule-Header") {
		for _, item := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' }) {
			k, val, _ := strings.Cut(item, "=")
			on := strings.EqualFold(strings.TrimSpace(val), "true")
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "allowsave":
				d.allowSave = on
			case "includerecorddetails":
				d.includeRecordDetails = on
			}
		}
	}
	return d
}

// duplicateResult is the DuplicateResult a DUPLICATES_DETECTED error
// carries ("DuplicateError" and "DuplicateResult", SOAP API Developer
// Guide,
// https://developer.salesforce.com/docs/platform/api/guide/sforce-api-objects-duplicateresult.html;
// "MatchResult", "MatchRecord", same guide), in the JSON form REST returns
// it.
type duplicateResult struct {
	AllowSave               bool          `json:"allowSave"`
	DuplicateRule           string        `json:"duplicateRule"`
	DuplicateRuleEntityType string        `json:"duplicateRuleEntityType"`
	ErrorMessage            string        `json:"errorMessage"`
	MatchResults            []matchResult `json:"matchResults"`
}

type matchResult struct {
	EntityType   string        `json:"entityType"`
	Errors       []saveError   `json:"errors"`
	MatchEngine  string        `json:"matchEngine"`
	MatchRecords []matchRecord `json:"matchRecords"`
	Rule         string        `json:"rule"`
	Size         int           `json:"size"`
	Success      bool          `json:"success"`
}

type matchRecord struct {
	AdditionalInformation []any          `json:"additionalInformation"`
	FieldDiffs            []any          `json:"fieldDiffs"`
	MatchConfidence       float64        `json:"matchConfidence"`
	Record                map[string]any `json:"record"`
}

// duplicatesError is DUPLICATES_DETECTED for a record matching rows.
// Without includeRecordDetails a match carries only its Id.
func duplicatesError(t *table, rows []int, version string, details bool) apiError {
	mr := matchResult{EntityType: t.obj.Name, Errors: []saveError{}, MatchEngine: "ExactMatchEngine",
		Rule: matchingRuleName, Size: len(rows), Success: true}
	for _, row := range rows {
		rec := map[string]any{"Id": t.id(row)}
		if details {
			rec = t.record(row)
		}
		rec["attributes"] = map[string]any{"type": t.obj.Name,
			"url": "/services/data/v" + version + "/sobjects/" + t.obj.Name + "/" + t.id(row)}
		mr.MatchRecords = append(mr.MatchRecords, matchRecord{AdditionalInformation: []any{}, FieldDiffs: []any{},
			MatchConfidence: 100, Record: rec})
	}
	return apiError{Code: "DUPLICATES_DETECTED", Message: duplicatesDetected, Fields: []string{},
		Duplicate: &duplicateResult{AllowSave: true, DuplicateRule: duplicateRuleName, DuplicateRuleEntityType: t.obj.Name,
			ErrorMessage: duplicateAlert, MatchResults: []matchResult{mr}}}
}

// duplicateRules fails each valid Account change whose record's Name, after
// the change, matches another live Account's, unless the request allows
// the save. Names set by other records of the same request are not
// compared. The caller holds s.mu.
func (s *Server) duplicateRules(cs []*change, o writeOptions) {
	if o.dup.allowSave {
		return
	}
	for _, c := range cs {
		if len(c.errs) > 0 || c.t.obj.Name != duplicateObject || c.t.fName < 0 {
			continue
		}
		name := c.t.get(c.row, c.t.fName).s
		for i, fi := range c.cols {
			if fi == c.t.fName {
				name = c.cells[i].s
			}
		}
		if name == "" {
			continue
		}
		var others []int
		for _, row := range c.t.nameRows(name) {
			if int(row) != c.row {
				others = append(others, int(row))
			}
		}
		if len(others) > 0 {
			c.errs = append(c.errs, duplicatesError(c.t, others, o.version, o.dup.includeRecordDetails))
		}
	}
}

// nameIndex maps a lower-case Name to the live rows that hold it.
type nameIndex map[string][]int32

// nameRows returns the live rows whose Name equals name, ignoring case,
// building the index on first use.
func (t *table) nameRows(name string) []int32 {
	if t.names == nil {
		t.names = nameIndex{}
		for row := 0; row < t.n; row++ {
			t.names.add(t, row)
		}
	}
	return t.names[strings.ToLower(name)]
}

func (ix nameIndex) add(t *table, row int) {
	if t.deleted(row) {
		return
	}
	if name := t.cols[t.fName].s[row]; name != "" {
		k := strings.ToLower(name)
		ix[k] = append(ix[k], int32(row))
	}
}

func (ix nameIndex) remove(t *table, row int) {
	name := t.cols[t.fName].s[row]
	if name == "" {
		return
	}
	k := strings.ToLower(name)
	rows := ix[k]
	for i, r := range rows {
		if int(r) == row {
			rows = append(rows[:i], rows[i+1:]...)
			break
		}
	}
	if len(rows) == 0 {
		delete(ix, k)
		return
	}
	ix[k] = rows
}
