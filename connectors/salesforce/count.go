package salesforce

import (
	"context"
	"fmt"
	"strings"

	"github.com/simpleforce/simpleforce"
)

// Count runs a SELECT COUNT() query and returns the number of records it
// matched: the response's totalSize, with no records
// ("COUNT() ... returns the number of rows that match the query criteria",
// SOQL and SOSL Reference, "COUNT() and COUNT(fieldName)",
// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_count.htm).
// It is one API call, retried on transient failures.
func (c *Client) Count(ctx context.Context, soql string) (int, error) {
	if !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(soql)), "SELECT COUNT()") {
		return 0, fmt.Errorf("count: want a SELECT COUNT() query, got %q", snippet(soql))
	}
	res, err := retry(c, ctx, "query", false, func(ctx context.Context, s session) (*simpleforce.QueryResult, error) {
		return c.queryPage(ctx, s, soql)
	})
	if err != nil {
		return 0, fmt.Errorf("count: %w", err)
	}
	if res.TotalSize < 0 {
		return 0, fmt.Errorf("count: %w: totalSize %d", ErrMalformedResponse, res.TotalSize)
	}
	return res.TotalSize, nil
}
