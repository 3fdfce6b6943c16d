package sftest

import (
	"net/http"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest/soql"
)

// QUERY_TIMEOUT. Salesforce runs a REST query for at most two minutes
// ("the standard timeout limit (2 minutes)", "How Bulk Queries Are
// Processed", Bulk API 2.0 and Bulk API Developer Guide,
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/asynch_api_bulk_query_processing.htm);
// a query whose filters cannot use an index scans the whole table, and over
// a large object that runs out of time and fails with 400 QUERY_TIMEOUT
// ("Your query request was running for too long."; the text is not on a
// reference page, it is the one orgs return, as error catalogues such as
// restforce's ErrorCode::QueryTimeout carry it).
//
// The emulator has no clock of work, so it decides by Salesforce's
// selectivity rules instead: with Options.QueryTimeoutRows > 0, a REST
// query or queryAll over an object with more rows than that fails unless
// its WHERE clause is selective. Bulk API 2.0 query jobs are never refused
// (they run without the two-minute limit and retry).
//
// Selectivity follows the "Query & Search Optimization Cheat Sheet"
// (https://developer.salesforce.com/docs/atlas.en-us.salesforce_query_search_optimization_developer_cheatsheet.meta/salesforce_query_search_optimization_developer_cheatsheet/)
// and Salesforce Help "Make SOQL query selective"
// (https://help.salesforce.com/s/articleView?id=000386393&type=1) and
// "Improve performance with Custom indexes using Selective SOQL Queries"
// (https://help.salesforce.com/s/articleView?id=000384963&type=1):
//
//   - Indexed standard fields on every object: Id, Name, OwnerId,
//     CreatedDate, SystemModstamp, RecordTypeId and lookup or master-detail
//     fields (every "reference" field, CreatedById and LastModifiedById
//     among them). LastModifiedDate is not indexed. The schema has no
//     External ID or Unique flag, so no field has a custom index.
//   - A standard index is used when the filter targets fewer than 30% of
//     the first million records plus 15% of the records beyond, at most
//     1,000,000; a custom index 10% and 5%, at most 333,333.
//   - AND: selective when one operand is; else when at least two indexed
//     operands each target fewer than twice their threshold and their
//     intersection fewer than the threshold (a composite index join).
//   - OR: selective only when every operand is, and their sum is below the
//     threshold (a union).
//   - Never selective: negative operators (!=, NOT IN, NOT), a comparison
//     with null, LIKE with a leading wildcard, and < <= > >= on a text
//     field.
//   - ORDER BY and LIMIT do not make a query selective.
//
// The record count is the object's rows, deleted ones included (the
// Recycle Bin counts toward the table the optimizer sees, which is why the
// cheat sheet advises IsDeleted = false filters); the rows a filter targets
// are counted exactly.
func queryTimeout() apiError {
	return apiError{Code: "QUERY_TIMEOUT", Message: "Your query request was running for too long."}
}

// Selectivity thresholds ("Index Selectivity Conditions and Thresholds").
const (
	firstMillion    = 1_000_000
	standardCap     = 1_000_000
	customCap       = 333_333
	standardFirst   = 0.30
	standardBeyond  = 0.15
	customFirst     = 0.10
	customBeyond    = 0.05
	compositeFactor = 2
)

// threshold is the number of rows below which a filter on an index is
// selective, for a table of total rows.
func threshold(total int, custom bool) int {
	first, beyond, limit := standardFirst, standardBeyond, standardCap
	if custom {
		first, beyond, limit = customFirst, customBeyond, customCap
	}
	n := float64(min(total, firstMillion)) * first
	if total > firstMillion {
		n += float64(total-firstMillion) * beyond
	}
	return min(int(n), limit)
}

// standardIndexed names the standard indexes every object has besides its
// reference fields.
var standardIndexed = map[string]bool{
	"Id": true, "Name": true, "OwnerId": true, "CreatedDate": true, "SystemModstamp": true, "RecordTypeId": true,
}

// checkSelective writes QUERY_TIMEOUT and reports false when plan may not
// run as a REST query over t. The caller holds s.mu for reading.
func (s *Server) checkSelective(w http.ResponseWriter, t *table, plan *soql.Plan) bool {
	limit := s.opts.QueryTimeoutRows
	if limit <= 0 || t.n <= limit {
		return true
	}
	sel := selector{t: t, total: t.n, idx: map[string]int{}}
	for i, f := range t.obj.Fields {
		sel.idx[f.Name] = i
	}
	if sel.selective(plan.Filter()) {
		return true
	}
	writeErrors(w, http.StatusBadRequest, queryTimeout())
	return false
}

// selector decides the selectivity of filters over one table.
type selector struct {
	t     *table
	total int
	idx   map[string]int // canonical field name -> column
}

// indexed reports whether f is a comparison an index can serve.
func (sl selector) indexed(f *soql.Filter) bool {
	if f == nil || f.Field == "" || f.Null || f.Wildcard {
		return false
	}
	fs, _, ok := sl.t.obj.Field(f.Field)
	if !ok || !(standardIndexed[fs.Name] || fs.Type == "reference") {
		return false
	}
	switch f.Op {
	case "=", "IN":
		return true
	case "LIKE":
		return true
	case "<", "<=", ">", ">=":
		return f.Type != soql.String
	}
	return false // != and NOT IN
}

// count returns the rows (deleted included) match accepts.
func (sl selector) count(match func(get func(string) any) bool) int {
	t := sl.t
	var row int
	get := func(field string) any { return t.queryValue(row, sl.idx[field]) }
	n := 0
	for row = 0; row < t.n; row++ {
		if match(get) {
			n++
		}
	}
	return n
}

// selective reports whether f lets the optimizer use an index.
func (sl selector) selective(f *soql.Filter) bool {
	if f == nil {
		return false
	}
	limit := threshold(sl.total, false)
	switch f.Op {
	case "AND":
		var joined []*soql.Filter
		for _, k := range f.Kids {
			if sl.selective(k) {
				return true
			}
			if sl.indexed(k) && sl.count(k.Match) < compositeFactor*limit {
				joined = append(joined, k)
			}
		}
		if len(joined) < 2 {
			return false
		}
		return sl.count(func(get func(string) any) bool {
			for _, k := range joined {
				if !k.Match(get) {
					return false
				}
			}
			return true
		}) < limit
	case "OR":
		sum := 0
		for _, k := range f.Kids {
			if !sl.selective(k) {
				return false
			}
			sum += sl.count(k.Match)
		}
		return sum < limit
	case "NOT":
		return false
	}
	return sl.indexed(f) && sl.count(f.Match) < limit
}
