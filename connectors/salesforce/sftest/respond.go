package sftest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
)

// REST API errors are a JSON array of {"message","errorCode","fields"}
// (REST API Developer Guide, Status Codes and Error Responses,
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm).
type errorItem struct {
	DuplicateResult *duplicateResult `json:"duplicateResult,omitempty"`
	Message         string           `json:"message"`
	ErrorCode       string           `json:"errorCode"`
	Fields          []string         `json:"fields,omitempty"`
}

func writeErrors(w http.ResponseWriter, status int, errs ...apiError) {
	items := make([]errorItem, len(errs))
	for i, e := range errs {
		items[i] = errorItem{Message: e.Message, ErrorCode: e.Code, Fields: e.Fields, DuplicateResult: e.Duplicate}
	}
	writeJSON(w, status, items)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`[{"message":"emulator: encode response","errorCode":"UNKNOWN_EXCEPTION"}]`)
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body) //nolint:errcheck // the client may be gone
}

// 401 INVALID_SESSION_ID, "Session expired or invalid" (errorcodes.htm: "The
// session ID or OAuth token used has expired or is invalid. The response
// body contains the message and errorCode.").
func invalidSession() apiError {
	return apiError{Code: "INVALID_SESSION_ID", Message: "Session expired or invalid"}
}

// 404 NOT_FOUND, "The requested resource does not exist" (errorcodes.htm).
func notFound() apiError {
	return apiError{Code: "NOT_FOUND", Message: "The requested resource does not exist"}
}

// 403 REQUEST_LIMIT_EXCEEDED, "TotalRequests Limit exceeded." (errorcodes.htm:
// "If the error code is REQUEST_LIMIT_EXCEEDED, you've exceeded API request
// limits in your org"; API Request Limits and Allocations,
// https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm).
func limitExceeded() apiError {
	return apiError{Code: "REQUEST_LIMIT_EXCEEDED", Message: "TotalRequests Limit exceeded."}
}

// bufferedWriter holds a whole response so a fault can cut it.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newBufferedWriter(h http.Header) *bufferedWriter { return &bufferedWriter{header: h} }

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedWriter) code() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}

// reset writes the status line, the headers and half of the body straight
// to the connection, then closes it: the client sees the connection drop
// mid-response. A response without a body (204) is cut before its status
// line, so that the client cannot mistake it for a success.
func (b *bufferedWriter) reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	if b.body.Len() == 0 {
		return
	}
	bw := bufio.NewWriter(conn)
	bw.WriteString("HTTP/1.1 " + strconv.Itoa(b.code()) + " " + http.StatusText(b.code()) + "\r\n")
	b.header.Set("Content-Length", strconv.Itoa(b.body.Len()))
	b.header.Write(bw) //nolint:errcheck // best effort before the cut
	bw.WriteString("\r\n")
	bw.Write(b.body.Bytes()[:b.body.Len()/2])
	bw.Flush()
}

// truncate sends a complete HTTP response whose body is cut in half (a
// success only; any other response passes through untouched).
func (b *bufferedWriter) truncate(w http.ResponseWriter) {
	body := b.body.Bytes()
	if b.code() >= 200 && b.code() < 300 && len(body) > 1 {
		body = body[:len(body)/2]
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(b.code())
	w.Write(body) //nolint:errcheck // the client may be gone
}

// readJSON decodes a request body of at most maxBody bytes into v and
// returns the body (decodeFields points into it), or answers 400
// JSON_PARSER_ERROR and reports false.
func readJSON(w http.ResponseWriter, r *http.Request, v any) ([]byte, bool) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		writeErrors(w, http.StatusBadRequest, jsonParserError("read request body: "+err.Error()))
		return nil, false
	}
	if err := json.Unmarshal(raw, v); err != nil {
		writeErrors(w, http.StatusBadRequest, jsonParserError(err.Error()))
		return nil, false
	}
	return raw, true
}

// readFields decodes a single-record write body, a JSON object of fields,
// or answers 400 JSON_PARSER_ERROR and reports false.
func readFields(w http.ResponseWriter, r *http.Request) (map[string]any, []byte, bool) {
	var fields map[string]any
	raw, ok := readJSON(w, r, &fields)
	if !ok {
		return nil, nil, false
	}
	if fields == nil {
		writeErrors(w, http.StatusBadRequest, jsonParserError("request body must be a JSON object"))
		return nil, nil, false
	}
	return fields, raw, true
}
