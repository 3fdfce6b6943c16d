package salesforce

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
)

func TestVersions(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 3, Seed: 1})
	ctx := context.Background()

	t.Run("ListsWhatTheOrgServes", func(t *testing.T) {
		c := mustClient(t, srv, nil)
		before := srv.Stats().APICalls
		got, err := c.Versions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 36 || got[0] != "31.0" || got[len(got)-1] != "66.0" {
			t.Fatalf("versions = %v, want 31.0 to 66.0", got)
		}
		if used := srv.Stats().APICalls; used != before {
			t.Errorf("listing versions counted %d API calls", used-before)
		}
	})

	t.Run("UnservedVersionIsNamed", func(t *testing.T) {
		c := mustClient(t, srv, func(o *Options) { o.APIVersion = "99.0" })
		_, err := c.Describe(ctx, "Account")
		var ve *VersionError
		if !errors.As(err, &ve) {
			t.Fatalf("describe under 99.0: err = %v, want a *VersionError", err)
		}
		if want := `salesforce.api_version "99.0" is not served by this org; the highest it serves is 66.0`; err.Error() != want {
			t.Errorf("err = %q, want %q", err, want)
		}
		if !slices.Contains(ve.Served, "62.0") || Classify(err) != Classify(ve.Err) {
			t.Errorf("VersionError = %+v, class %v", ve, Classify(err))
		}
		var ap *APIError
		if !errors.As(err, &ap) || ap.Status != 404 || ap.Code != "NOT_FOUND" {
			t.Errorf("VersionError does not wrap the 404: %v", ap)
		}
		err = c.Query(ctx, "SELECT Id FROM Account", func([]Record) error { return nil })
		if !errors.As(err, &ve) {
			t.Errorf("query under 99.0: err = %v, want a *VersionError", err)
		}
	})

	t.Run("MissingObjectIsNotAVersionProblem", func(t *testing.T) {
		c := mustClient(t, srv, nil)
		_, err := c.Describe(ctx, "Subscription__c")
		var ve *VersionError
		if err == nil || errors.As(err, &ve) {
			t.Fatalf("describe of a missing object: err = %v, want a plain 404", err)
		}
		msg := err.Error()
		if strings.Count(msg, "describe Subscription__c") != 1 || !strings.Contains(msg, "no object Subscription__c") {
			t.Errorf("err = %q, want the describe prefix once and the missing object named", msg)
		}
	})
}

func TestHighestVersion(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"31.0", "66.0", "9.0"}, "66.0"},
		{[]string{"x", "64.0", "v65.0"}, "v65.0"},
	} {
		if got := highestVersion(c.in); got != c.want {
			t.Errorf("highestVersion(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzParseVersions: any body either parses to versions that are numbers
// or fails with ErrMalformedResponse; it never panics.
func FuzzParseVersions(f *testing.F) {
	f.Add([]byte(`[{"label":"Winter '25","url":"/services/data/v62.0","version":"62.0"}]`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"version":"62.0"}`))
	f.Add([]byte(`[{"version":7}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := parseVersions(body)
		if err != nil {
			if !errors.Is(err, ErrMalformedResponse) {
				t.Fatalf("err = %v, want ErrMalformedResponse", err)
			}
			return
		}
		for _, v := range got {
			if _, ok := versionNumber(v); !ok {
				t.Fatalf("version %q is not a number", v)
			}
		}
	})
}
