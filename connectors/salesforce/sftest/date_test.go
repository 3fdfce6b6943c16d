package sftest

import (
	"net/http"
	"testing"
	"time"
)

// TestDateHeader: every response carries the server's time on the emulator's
// clock, as an HTTP date (RFC 9110, section 6.6.1).
func TestDateHeader(t *testing.T) {
	s, clk := MustServer(t, Options{})
	clk.Advance(90 * time.Minute)
	resp, err := http.Get(s.URL() + "/services/data/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		t.Fatalf("Date %q: %v", resp.Header.Get("Date"), err)
	}
	if want := start.Add(90 * time.Minute); !got.Equal(want) {
		t.Fatalf("Date = %v, want the emulator's clock %v", got, want)
	}
}
