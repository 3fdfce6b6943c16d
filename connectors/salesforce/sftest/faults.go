package sftest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Faults make the emulator misbehave on demand, each with a probability per
// /services/data request (the token endpoint and the versions list are never
// faulted). For a given Seed and the same sequence of requests the same
// faults fire: the draws come from one seeded generator under a mutex, a
// fixed number of draws per request (and one per record in a collections
// request for LockRow). Concurrent requests interleave their draws in
// arrival order.
type Faults struct {
	Seed int64

	ServerUnavailable float64 // 503 SERVER_UNAVAILABLE
	HTMLError         float64 // 500 with an HTML body
	Reset             float64 // the connection is cut mid-response (a write is applied first)
	Slow              float64 // the response is delayed by SlowDelay
	Spurious401       float64 // 401 INVALID_SESSION_ID on a valid token
	LockRow           float64 // per record of a collections request: UNABLE_TO_LOCK_ROW
	MalformedError    float64 // 500 whose JSON error body is cut short
	TruncatedJSON     float64 // a success response whose body is cut short
	TriggerLock       float64 // per write request: an after-save trigger meets a locked row; every record fails
	// ResetCreate: per create request (POST /sobjects/{Object} or POST
	// /composite/sobjects), the connection is cut after the records are
	// created, drawn apart from the other faults so that their sequence
	// stays the same.
	ResetCreate float64

	SlowDelay time.Duration // default 200ms
}

// ParseFaults parses a fault spec: comma-separated key=value pairs with keys
// 503, html500, reset, slow, 401, lockrow, malformed, truncated, triggerlock, resetcreate
// (probabilities 0..1), slow_delay (a duration) and seed, e.g.
// "503=0.05,reset=0.02,slow=0.05,slow_delay=200ms,lockrow=0.05,seed=7".
// An empty spec is no faults.
func ParseFaults(spec string) (Faults, error) {
	var f Faults
	probs := map[string]*float64{
		"503": &f.ServerUnavailable, "html500": &f.HTMLError, "reset": &f.Reset, "slow": &f.Slow,
		"401": &f.Spurious401, "lockrow": &f.LockRow, "malformed": &f.MalformedError, "truncated": &f.TruncatedJSON,
		"triggerlock": &f.TriggerLock, "resetcreate": &f.ResetCreate,
	}
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			return Faults{}, fmt.Errorf("faults %q: want key=value", item)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "seed":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return Faults{}, fmt.Errorf("faults seed %q: want an integer", v)
			}
			f.Seed = n
		case "slow_delay":
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return Faults{}, fmt.Errorf("faults slow_delay %q: want a duration such as 200ms", v)
			}
			f.SlowDelay = d
		default:
			p, ok := probs[k]
			if !ok {
				return Faults{}, fmt.Errorf("faults: unknown key %q (want 503, html500, reset, slow, slow_delay, 401, lockrow, malformed, truncated, triggerlock, resetcreate or seed)", k)
			}
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || x < 0 || x > 1 {
				return Faults{}, fmt.Errorf("faults %s=%q: want a probability from 0 to 1", k, v)
			}
			*p = x
		}
	}
	return f, nil
}

// String formats f as a spec ParseFaults reads.
func (f Faults) String() string {
	var parts []string
	add := func(k string, p float64) {
		if p > 0 {
			parts = append(parts, k+"="+strconv.FormatFloat(p, 'g', -1, 64))
		}
	}
	add("503", f.ServerUnavailable)
	add("html500", f.HTMLError)
	add("reset", f.Reset)
	add("slow", f.Slow)
	if f.SlowDelay > 0 {
		parts = append(parts, "slow_delay="+f.SlowDelay.String())
	}
	add("401", f.Spurious401)
	add("lockrow", f.LockRow)
	add("malformed", f.MalformedError)
	add("truncated", f.TruncatedJSON)
	add("triggerlock", f.TriggerLock)
	add("resetcreate", f.ResetCreate)
	if f.Seed != 0 {
		parts = append(parts, "seed="+strconv.FormatInt(f.Seed, 10))
	}
	return strings.Join(parts, ",")
}

type faultState struct {
	mu  sync.Mutex
	f   Faults
	rng *rand.Rand
	// creates draws ResetCreate alone, so that the nth create request's
	// fate depends on the seed only, not on the requests between.
	creates *rand.Rand
}

func (fs *faultState) set(f Faults) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f.SlowDelay <= 0 {
		f.SlowDelay = 200 * time.Millisecond
	}
	fs.f = f
	fs.rng = rand.New(rand.NewPCG(uint64(f.Seed), 0x5f7e57))
	fs.creates = rand.New(rand.NewPCG(uint64(f.Seed), 0xc4ea7e))
}

// SetFaults replaces the faults and restarts their random sequence from
// f.Seed.
func (s *Server) SetFaults(f Faults) { s.faults.set(f) }

// faultPlan is what the faults do to one request.
type faultPlan struct {
	pre      func(w http.ResponseWriter) // answer instead of the resource
	slow     time.Duration
	reset    bool
	truncate bool
}

func (fs *faultState) draw() faultPlan {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var d [8]float64
	for i := range d {
		d[i] = fs.rng.Float64()
	}
	f := fs.f
	var p faultPlan
	switch {
	case d[0] < f.ServerUnavailable:
		p.pre = serverUnavailable
	case d[1] < f.HTMLError:
		p.pre = htmlError
	case d[2] < f.Spurious401:
		p.pre = func(w http.ResponseWriter) { writeErrors(w, http.StatusUnauthorized, invalidSession()) }
	case d[3] < f.MalformedError:
		body := malformedBodies[int(d[7]*float64(len(malformedBodies)))%len(malformedBodies)]
		p.pre = func(w http.ResponseWriter) { malformedError(w, body) }
	}
	if d[4] < f.Slow {
		p.slow = f.SlowDelay
	}
	p.reset = d[5] < f.Reset
	p.truncate = !p.reset && d[6] < f.TruncatedJSON
	return p
}

// lockRow draws whether one record of a collections request fails with
// UNABLE_TO_LOCK_ROW.
func (fs *faultState) lockRow() bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.f.LockRow <= 0 {
		return false
	}
	return fs.rng.Float64() < fs.f.LockRow
}

// resetCreate draws whether a create request's connection is cut after
// the records are created (Faults.ResetCreate).
func (fs *faultState) resetCreate() bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.f.ResetCreate <= 0 {
		return false
	}
	return fs.creates.Float64() < fs.f.ResetCreate
}

// triggerLock draws whether a write request's after-save trigger meets a
// locked row (see triggerLockFailure).
func (fs *faultState) triggerLock() bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.f.TriggerLock <= 0 {
		return false
	}
	return fs.rng.Float64() < fs.f.TriggerLock
}

// 503 SERVER_UNAVAILABLE (errorcodes.htm: "The server is unavailable to
// handle the request. Typically this issue occurs if the server is down for
// maintenance or is overloaded.").
func serverUnavailable(w http.ResponseWriter) {
	writeErrors(w, http.StatusServiceUnavailable, apiError{Code: "SERVER_UNAVAILABLE",
		Message: "The server is unavailable to handle the request. Try again later."})
}

// htmlError is the HTML page a proxy or an instance in trouble returns
// instead of JSON (errorcodes.htm, 500: "An error has occurred within
// Lightning Platform, so the request couldn't be completed").
func htmlError(w http.ResponseWriter) {
	body := "<!DOCTYPE html>\n<html><head><title>Internal Server Error</title></head>" +
		"<body><h1>An internal server error has occurred</h1><p>An error occurred while processing your request. " +
		"The salesforce.com support team has been notified of the problem.</p></body></html>\n"
	w.Header().Set("Content-Type", "text/html;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusInternalServerError)
	w.Write([]byte(body)) //nolint:errcheck
}

// malformedBodies are error bodies that do not follow the documented
// shape: an empty array, an empty object, plain text and JSON cut short.
// Proxies and instances in trouble return such bodies; a client must not
// crash on them (simpleforce, for one, indexes the first element of the
// array it decodes).
var malformedBodies = []struct{ contentType, body string }{
	{"application/json;charset=UTF-8", `[]`},
	{"application/json;charset=UTF-8", `{}`},
	{"text/plain;charset=UTF-8", "Internal Server Error"},
	{"application/json;charset=UTF-8", `[{"message":"An unexpected error occurred. Please include this ErrorId if you contact support: 1849329-71524 (-1`},
}

// malformedError is a 500 with one of malformedBodies.
func malformedError(w http.ResponseWriter, b struct{ contentType, body string }) {
	w.Header().Set("Content-Type", b.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b.body)))
	w.WriteHeader(http.StatusInternalServerError)
	w.Write([]byte(b.body)) //nolint:errcheck
}
