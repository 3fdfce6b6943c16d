package salesforce

import (
	"strconv"
	"strings"
)

// parseLimitInfo reads the org's daily API usage from a Sforce-Limit-Info
// header, e.g. "api-usage=18/5000; per-app-api-usage=17/250(appName=x)".
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm
// ok is false when the header holds no well-formed api-usage entry.
func parseLimitInfo(h string) (used, max int, ok bool) {
	for _, part := range strings.FieldsFunc(h, func(r rune) bool { return r == ';' || r == ',' }) {
		key, val, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found || strings.TrimSpace(key) != "api-usage" {
			continue
		}
		u, m, found := strings.Cut(strings.TrimSpace(val), "/")
		if !found {
			return 0, 0, false
		}
		uv, err1 := strconv.Atoi(strings.TrimSpace(u))
		mv, err2 := strconv.Atoi(strings.TrimSpace(m))
		if err1 != nil || err2 != nil || uv < 0 || mv <= 0 {
			return 0, 0, false
		}
		return uv, mv, true
	}
	return 0, 0, false
}
