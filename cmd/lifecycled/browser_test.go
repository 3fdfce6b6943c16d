package main

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/internal/store"
)

// TestDashboardInBrowser runs `lifecycled demo` with its HTTP endpoint, loads
// the dashboard in headless Chromium, compares the status counts and the
// history chart in the rendered DOM with the state file, keeps a screenshot,
// and stops the demo with SIGTERM.
//
// It is skipped when Chromium is absent, unless LIFECYCLED_REQUIRE_BROWSER
// is set (CI sets it: there a missing browser is a failure).
func TestDashboardInBrowser(t *testing.T) {
	browser := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		if os.Getenv("LIFECYCLED_REQUIRE_BROWSER") == "" {
			t.Skip("no chromium on PATH (set LIFECYCLED_REQUIRE_BROWSER to make this a failure)")
		}
		t.Fatal("LIFECYCLED_REQUIRE_BROWSER is set but no chromium is on PATH")
	}
	bin := mustBinary(t)

	// The screenshot and the DOM outlive the test, as artifacts.
	artifacts, err := os.MkdirTemp("", "lifecycled-dashboard-")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("dashboard artifacts (screenshot, DOM, demo output) in %s", artifacts)
	statePath := filepath.Join(t.TempDir(), "state.db")
	addr := freeAddr(t)
	base := "http://" + addr

	demoOut, err := os.Create(filepath.Join(artifacts, "demo.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer demoOut.Close()
	demo := exec.Command(bin, "demo", "--listen", addr, "--state", statePath, "--interval", "2s",
		"--accounts", "2000", "--log-format", "json")
	demo.Stdout, demo.Stderr = demoOut, demoOut
	if err := demo.Start(); err != nil {
		t.Fatalf("start demo: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- demo.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			demo.Process.Kill()
			<-exited
		}
	}()

	// Ready, with a few days of history recorded.
	waitFor(t, 3*time.Minute, exited, "the demo to be ready with 3 daily snapshots", func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return false
		}
		return len(mustSnapshots(t, statePath)) >= 3
	})

	db := store.New(statePath)
	if err := db.OpenReadOnly(); err != nil {
		t.Fatalf("open the demo's state read-only: %v", err)
	}
	defer db.Close()

	// The demo keeps cycling: compare only a DOM read between two identical
	// views of the store with no cycle running.
	var dom string
	var view storeView
	for attempt := 1; ; attempt++ {
		before := readView(t, db)
		dom = chromium(t, browser, artifacts, "--dump-dom", base+"/")
		after := readView(t, db)
		if before.stable() && before.equal(after) {
			view = before
			break
		}
		if attempt == 15 {
			t.Fatalf("the store changed during every one of %d page loads", attempt)
		}
	}
	if err := os.WriteFile(filepath.Join(artifacts, "dashboard.html"), []byte(dom), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("StatusCounts", func(t *testing.T) {
		rows := domElements(dom, "tr", "data-status")
		if len(rows) == 0 {
			t.Fatal("no status rows in the DOM")
		}
		seen := map[string]bool{}
		for _, r := range rows {
			seen[r["data-status"]] = true
			if got := atoiT(t, r["data-count"]); got != view.counts[r["data-status"]] {
				t.Errorf("status %q: page %d, store %d", r["data-status"], got, view.counts[r["data-status"]])
			}
		}
		total := 0
		for st, n := range view.counts {
			if st == "" {
				continue
			}
			total += n
			if !seen[st] {
				t.Errorf("status %q (%d accounts) is not on the page", st, n)
			}
		}
		if total == 0 {
			t.Error("the demo has no paying account with a status")
		}
	})

	t.Run("HistoryChart", func(t *testing.T) {
		sec := domElements(dom, "section", "data-since")
		if len(sec) != 1 {
			t.Fatalf("history section: %v", sec)
		}
		snaps, err := db.Snapshots(context.Background(), sec[0]["data-since"])
		if err != nil {
			t.Fatal(err)
		}
		if len(snaps) != len(view.snaps) {
			t.Errorf("%d snapshots since %s, the store holds %d: the window drops days", len(snaps), sec[0]["data-since"], len(view.snaps))
		}
		want := map[string]int{}
		for _, s := range snaps {
			for st, n := range s.Counts {
				if st != "" && n != 0 {
					want[s.Day+"|"+st] = n
				}
			}
		}
		got := map[string]int{}
		for _, r := range domElements(dom, "rect", "data-day") {
			got[r["data-day"]+"|"+r["data-status"]] = atoiT(t, r["data-count"])
		}
		if len(got) == 0 || len(got) != len(want) {
			t.Errorf("chart has %d day-status segments, store has %d", len(got), len(want))
		}
		for k, n := range want {
			if got[k] != n {
				t.Errorf("chart %s: page %d, store %d", k, got[k], n)
			}
		}
	})

	t.Run("Screenshot", func(t *testing.T) {
		png := filepath.Join(artifacts, "dashboard.png")
		chromium(t, browser, artifacts, "--screenshot="+png, "--window-size=1400,2000", base+"/")
		b, err := os.ReadFile(png)
		if err != nil {
			t.Fatalf("no screenshot: %v", err)
		}
		if !bytes.HasPrefix(b, []byte("\x89PNG")) || len(b) < 20_000 {
			t.Errorf("screenshot %s is not a full page PNG (%d bytes)", png, len(b))
		}
		t.Logf("screenshot: %s", png)
	})

	// SIGTERM: a graceful stop, exit 0.
	if err := demo.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Errorf("demo after SIGTERM: %v (output in %s)", err, demoOut.Name())
		}
	case <-time.After(time.Minute):
		t.Errorf("demo still running a minute after SIGTERM")
	}
}

// storeView is what the test compares the page with.
type storeView struct {
	lastRun int64
	outcome string
	counts  map[string]int
	snaps   []store.Snapshot
}

func readView(t *testing.T, db *store.DB) storeView {
	t.Helper()
	ctx := context.Background()
	var v storeView
	runs, err := db.Runs(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) > 0 {
		v.lastRun, v.outcome = runs[0].ID, runs[0].Outcome
	}
	if v.counts, err = db.StatusCounts(ctx); err != nil {
		t.Fatal(err)
	}
	if v.snaps, err = db.Snapshots(ctx, ""); err != nil {
		t.Fatal(err)
	}
	return v
}

// stable reports whether no cycle was running when v was read.
func (v storeView) stable() bool { return v.lastRun > 0 && v.outcome != store.OutcomeRunning }

func (v storeView) equal(o storeView) bool {
	return v.lastRun == o.lastRun && v.outcome == o.outcome &&
		fmt.Sprint(v.counts) == fmt.Sprint(o.counts) && fmt.Sprint(v.snaps) == fmt.Sprint(o.snaps)
}

// mustSnapshots reads the snapshots of the state file at path, or none
// while the demo has not created it yet.
func mustSnapshots(t *testing.T, path string) []store.Snapshot {
	t.Helper()
	db := store.New(path)
	if err := db.OpenReadOnly(); err != nil {
		return nil
	}
	defer db.Close()
	s, err := db.Snapshots(context.Background(), "")
	if err != nil {
		return nil
	}
	return s
}

// chromium runs headless Chromium with args and returns its stdout.
func chromium(t *testing.T, browser, dir string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	all := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--user-data-dir=" + filepath.Join(dir, "profile")}, args...)
	cmd := exec.CommandContext(ctx, browser, all...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, errb.String())
	}
	return out.String()
}

// waitFor polls cond every 200ms until it holds, the process exits, or the
// deadline passes.
func waitFor(t *testing.T, d time.Duration, exited <-chan error, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case err := <-exited:
			t.Fatalf("waiting for %s: the process exited: %v", what, err)
		case <-deadline.C:
			t.Fatalf("waiting for %s: gave up after %s", what, d)
		case <-tick.C:
		}
	}
}

var (
	domTagRE  = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9]*)(\s[^>]*)?>`)
	domAttrRE = regexp.MustCompile(`([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*"([^"]*)")?`)
)

// domElements returns the attributes of the start tags named tag in doc
// that carry the attribute must.
func domElements(doc, tag, must string) []map[string]string {
	var out []map[string]string
	for _, m := range domTagRE.FindAllStringSubmatch(doc, -1) {
		if !strings.EqualFold(m[1], tag) {
			continue
		}
		attrs := map[string]string{}
		for _, a := range domAttrRE.FindAllStringSubmatch(m[2], -1) {
			attrs[strings.ToLower(a[1])] = html.UnescapeString(a[2])
		}
		if _, ok := attrs[must]; ok {
			out = append(out, attrs)
		}
	}
	return out
}

func atoiT(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}
