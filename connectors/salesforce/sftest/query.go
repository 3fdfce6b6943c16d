package sftest

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest/soql"
)

// Query and queryAll follow the REST API Developer Guide: "Query",
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm,
// "QueryAll", .../resources_queryall.htm, and "Query More Results",
// .../resources_query_more_results.htm. A response is {"totalSize",
// "done", "nextRecordsUrl" (only while done is false), "records"}; each
// record has "attributes" {type, url} and the selected fields, under their
// API names, in SELECT order.
//
// Batches hold 2,000 records by default. "Sforce-Query-Options:
// batchSize=N" asks for another size; "The default is 2,000; the minimum is
// 200, and the maximum is 2,000" ("Query Options Header",
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_queryoptions.htm),
// so the emulator clamps N to 200..2000.
const (
	defaultBatch = 2000
	minBatch     = 200
)

// soqlSchema adapts a Schema to soql.Schema.
type soqlSchema struct{ s *Schema }

func (a soqlSchema) Object(name string) (string, bool) {
	o, ok := a.s.Object(name)
	if !ok {
		return "", false
	}
	return o.Name, true
}

func (a soqlSchema) Field(object, name string) (string, soql.Type, bool) {
	o, ok := a.s.Object(object)
	if !ok {
		return "", 0, false
	}
	f, _, ok := o.Field(name)
	if !ok {
		return "", 0, false
	}
	return f.Name, soqlTypes[f.kind], true
}

var soqlTypes = map[kind]soql.Type{
	kString: soql.String, kID: soql.ID, kNumber: soql.Number, kBool: soql.Boolean, kDate: soql.Date, kDateTime: soql.DateTime,
}

// batchSize reads the batch size of a request: the default when the header
// is absent or unreadable, else N clamped to minBatch..defaultBatch.
func batchSize(r *http.Request, fallback int) int {
	for _, opt := range strings.Split(r.Header.Get("Sforce-Query-Options"), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(opt), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "batchSize") {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			break
		}
		return min(max(n, minBatch), defaultBatch)
	}
	return fallback
}

// handleQuery serves GET /services/data/vXX.X/query?q=... and queryAll.
// queryAll also returns deleted records (IsDeleted true). Errors: a missing
// q or bad syntax is 400 MALFORMED_QUERY, an unknown object INVALID_TYPE,
// an unknown field INVALID_FIELD, each with Salesforce's
// "ERROR at Row:R:Column:C" message (see package soql).
func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request, version string, rest []string) {
	all := rest[0] == "queryAll"
	q := r.URL.Query().Get("q")
	if strings.TrimSpace(q) == "" {
		writeErrors(w, http.StatusBadRequest, apiError{Code: soql.CodeMalformedQuery, Message: "A query string has to be specified"})
		return
	}
	parsed, err := soql.Parse(q)
	if err != nil {
		writeQueryError(w, err)
		return
	}
	plan, err := parsed.Bind(soqlSchema{s.schema}, s.today())
	if err != nil {
		writeQueryError(w, err)
		return
	}

	s.mu.RLock()
	t := s.tables[plan.Object]
	if !s.checkSelective(w, t, plan) {
		s.mu.RUnlock()
		return
	}
	rows := s.match(t, plan, all)
	if plan.Count {
		s.mu.RUnlock()
		writeJSON(w, http.StatusOK, map[string]any{"totalSize": len(rows), "done": true, "records": []any{}})
		return
	}
	c := &cursor{object: plan.Object, fields: fieldIndexes(t, plan.Fields), names: plan.Fields, rows: rows, all: all,
		batch: batchSize(r, defaultBatch)}
	if len(rows) > c.batch {
		c.id = s.cursors.add(c, s.now())
	}
	body := s.page(t, c, version, 0, c.batch)
	s.mu.RUnlock()
	writeBody(w, http.StatusOK, body)
}

// writeQueryError writes a query error as 400 with its code and message.
func writeQueryError(w http.ResponseWriter, err error) {
	var qe *soql.Error
	if errors.As(err, &qe) {
		writeErrors(w, http.StatusBadRequest, apiError{Code: qe.Code, Message: qe.Message})
		return
	}
	writeErrors(w, http.StatusBadRequest, apiError{Code: soql.CodeMalformedQuery, Message: err.Error()})
}

// match returns the rows of t that plan selects, sorted by ORDER BY with
// ties (and queries without ORDER BY) in Id order, cut to LIMIT. Deleted
// rows count only for queryAll. The caller holds s.mu for reading.
func (s *Server) match(t *table, plan *soql.Plan, all bool) []int32 {
	idx := map[string]int{}
	for i, f := range t.obj.Fields {
		idx[f.Name] = i
	}
	var row int
	get := func(field string) any { return t.queryValue(row, idx[field]) }
	var rows []int32
	for row = 0; row < t.n; row++ {
		if !all && t.deleted(row) {
			continue
		}
		if plan.Match(get) {
			rows = append(rows, int32(row))
		}
	}
	// Row order is Id order (see makeID), so a stable sort breaks ties by Id.
	sortRows(t, plan, rows, idx)
	if plan.Limit >= 0 && len(rows) > plan.Limit {
		rows = rows[:plan.Limit]
	}
	return slices.Clip(rows)
}

func fieldIndexes(t *table, names []string) []int {
	out := make([]int, len(names))
	for i, n := range names {
		_, out[i], _ = t.obj.Field(n)
	}
	return out
}

// handleQueryMore serves GET /services/data/vXX.X/query/{locator}-{offset}
// (the nextRecordsUrl of a previous page). A locator that is unknown,
// released or expired is 400 INVALID_QUERY_LOCATOR: query locators expire
// after 15 minutes of inactivity and a user has at most ten open, the
// oldest being released ("QueryLocator", SOAP API Developer Guide,
// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_querymore_querylocator.htm;
// Salesforce Help "'INVALID_QUERY_LOCATOR' Salesforce Error",
// https://help.salesforce.com/s/articleView?id=000384958&type=1).
// A locator may be read again (a client retrying a page gets the same
// records).
func (s *Server) handleQueryMore(w http.ResponseWriter, r *http.Request, version string, rest []string) {
	id, off, ok := strings.Cut(rest[1], "-")
	offset, err := strconv.Atoi(off)
	c := s.cursors.get(id, s.now())
	if !ok || err != nil || c == nil || offset <= 0 || offset >= len(c.rows) {
		writeErrors(w, http.StatusBadRequest, apiError{Code: "INVALID_QUERY_LOCATOR", Message: "invalid query locator"})
		return
	}
	s.mu.RLock()
	body := s.page(s.tables[c.object], c, version, offset, batchSize(r, c.batch))
	s.mu.RUnlock()
	writeBody(w, http.StatusOK, body)
}

// page renders the records of c from offset, at most n of them, as a query
// response. The caller holds s.mu for reading.
func (s *Server) page(t *table, c *cursor, version string, offset, n int) []byte {
	end := min(offset+n, len(c.rows))
	b := make([]byte, 0, 64+(end-offset)*(160+48*len(c.fields)))
	b = append(b, `{"totalSize":`...)
	b = strconv.AppendInt(b, int64(len(c.rows)), 10)
	if end < len(c.rows) {
		b = append(b, `,"done":false,"nextRecordsUrl":"/services/data/v`...)
		b = append(b, version...)
		b = append(b, "/query/"...)
		b = append(b, c.id...)
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(end), 10)
		b = append(b, '"')
	} else {
		b = append(b, `,"done":true`...)
	}
	b = append(b, `,"records":[`...)
	for i := offset; i < end; i++ {
		if i > offset {
			b = append(b, ',')
		}
		b = t.appendRecord(b, int(c.rows[i]), version, c.names, c.fields)
	}
	return append(b, "]}"...)
}

// appendRecord appends row as a REST record: attributes, then the fields
// at idx named names.
func (t *table) appendRecord(b []byte, row int, version string, names []string, idx []int) []byte {
	b = append(b, `{"attributes":{"type":"`...)
	b = append(b, t.obj.Name...)
	b = append(b, `","url":"/services/data/v`...)
	b = append(b, version...)
	b = append(b, "/sobjects/"...)
	b = append(b, t.obj.Name...)
	b = append(b, '/')
	b = append(b, t.id(row)...)
	b = append(b, `"}`...)
	for i, fi := range idx {
		b = append(b, ',')
		b = appendJSONString(b, names[i])
		b = append(b, ':')
		b = t.appendValue(b, row, fi)
	}
	return append(b, '}')
}

// writeBody writes a prepared JSON body.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body) //nolint:errcheck // the client may be gone
}
