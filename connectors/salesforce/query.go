package salesforce

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/simpleforce/simpleforce"
)

// Record is one record as encoding/json decodes the REST API's JSON: field
// API name -> string, float64, bool or nil, and "attributes" -> {"type",
// "url"}.
type Record = map[string]any

// simpleforceClientKey is the key simpleforce adds to every record it
// returns (a pointer to its client); it is removed before records leave
// the package.
const simpleforceClientKey = "__client__"

// Query runs soql and calls fn with each page of records, in order,
// following nextRecordsUrl until done
// (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm).
// Pages are requested with Sforce-Query-Options batchSize (Options.
// QueryBatchSize). Each page request is retried on transient failures; a
// page that still fails fails the Query (the query is not restarted, so fn
// never sees a page twice). An error fn returns stops the query and is
// returned as it is.
func (c *Client) Query(ctx context.Context, soql string, fn func(page []Record) error) error {
	if strings.TrimSpace(soql) == "" {
		return errors.New("query: empty SOQL")
	}
	next := soql
	for page := 1; ; page++ {
		res, err := retry(c, ctx, "query", false, func(ctx context.Context, s session) (*simpleforce.QueryResult, error) {
			return c.queryPage(ctx, s, next)
		})
		if err != nil {
			if page == 1 {
				if verr := c.checkVersion(ctx, err); verr != nil {
					return verr
				}
				return fmt.Errorf("query: %w", err)
			}
			return fmt.Errorf("query page %d: %w", page, err)
		}
		records := make([]Record, len(res.Records))
		for i, r := range res.Records {
			m := map[string]any(r)
			delete(m, simpleforceClientKey)
			records[i] = m
		}
		if err := fn(records); err != nil {
			return err
		}
		if res.Done {
			return nil
		}
		if !strings.HasPrefix(res.NextRecordsURL, "/services/data/") {
			return fmt.Errorf("query page %d: %w: done is false and nextRecordsUrl is %q",
				page, ErrMalformedResponse, snippet(res.NextRecordsURL))
		}
		next = res.NextRecordsURL
	}
}

// queryPage fetches one page through simpleforce: q is the SOQL or a
// nextRecordsUrl.
func (c *Client) queryPage(ctx context.Context, s session, q string) (*simpleforce.QueryResult, error) {
	size := c.opts.QueryBatchSize
	if size == 0 {
		size = DefaultQueryBatchSize
	}
	hdr := http.Header{"Sforce-Query-Options": {"batchSize=" + strconv.Itoa(size)}}
	return viaSimpleforce(c, ctx, s, "query", hdr, func(sf *simpleforce.Client) (*simpleforce.QueryResult, error) {
		return sf.Query(q)
	})
}
