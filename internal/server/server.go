// Package server is lifecycled's HTTP endpoint: /healthz (the process is
// alive), /readyz (the store answers and a sync cycle succeeded recently),
// /metrics (Prometheus text from the engine's registry) and / (the
// lifecycle dashboard, server-rendered HTML with inline SVG charts).
//
// It only reads the store, and it never renders configuration: no secret
// can reach a page.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/lifecycled/lifecycled/internal/store"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DefaultListen is the address the endpoint listens on unless configured.
// Inside a container it must be "0.0.0.0:9090" to be reachable from outside.
const DefaultListen = "127.0.0.1:9090"

// ReadyIntervals is how many sync intervals may pass after the last
// successful cycle before /readyz reports the daemon not ready.
const ReadyIntervals = 3

// Options configures a Server.
type Options struct {
	Listen       string              // "127.0.0.1:9090"; ":0" style ports allowed; "" = DefaultListen
	Store        *store.DB           // opened (read-write by the daemon, or read-only)
	Gatherer     prometheus.Gatherer // the registry the engine registered on (nil: none)
	Interval     time.Duration       // sync interval; ready when the last successful cycle ended within 3 intervals
	Now          func() time.Time    // nil: time.Now
	Location     *time.Location      // the configured zone ("today"); nil: UTC
	StatusValues []string            // the pack's status values, in pack order (dashboard rows)
	RevenueField string              // API name of a mapped revenue field, "" none
	Fields       store.FactFields    // mapped fields of the money, usage and calibration panels
	Logger       *slog.Logger        // nil: discard
	// Blocked, when set, says why the daemon cannot do its work now (it
	// cannot reach or log in to Salesforce, a field's writes are paused);
	// "" when nothing blocks it. /readyz is 503 with that reason.
	Blocked func() string
}

// Server serves the endpoints. Create it with New, then Open; Close stops it.
type Server struct {
	opts Options
	mux  *http.ServeMux

	mu     sync.Mutex
	ln     net.Listener
	srv    *http.Server
	served chan struct{} // closed when Serve returns
}

// New returns a Server for opts. It does no I/O.
func New(opts Options) *Server {
	if opts.Listen == "" {
		opts.Listen = DefaultListen
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.Logger = opts.Logger.With("component", "server")
	s := &Server{opts: opts, mux: http.NewServeMux()}
	g := opts.Gatherer
	if g == nil {
		g = prometheus.NewRegistry()
	}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn), ErrorHandling: promhttp.ContinueOnError,
	}))
	s.mux.HandleFunc("GET /{$}", s.dashboard)
	return s
}

// Handler returns the endpoints' handler, for tests and embedding.
func (s *Server) Handler() http.Handler { return s.mux }

// Open listens on Options.Listen and serves in the background.
func (s *Server) Open() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return fmt.Errorf("listen %s: already open", s.opts.Listen)
	}
	ln, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.opts.Listen, err)
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.opts.Logger.Handler(), slog.LevelDebug),
	}
	s.served = make(chan struct{})
	srv, served := s.srv, s.served
	go func() {
		defer close(served)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.opts.Logger.Error("http server stopped", "error", err)
		}
	}()
	s.opts.Logger.Info("http endpoint listening", "addr", ln.Addr().String())
	return nil
}

// Addr returns the address the server listens on after Open ("" before).
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Close stops the server gracefully: it stops accepting connections and
// waits, until ctx is done, for the requests in flight; then it closes what
// is left. It is idempotent and safe before Open.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	srv, served := s.srv, s.served
	s.srv = nil
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, srv.Close())
	}
	<-served
	if err != nil {
		return fmt.Errorf("close http endpoint: %w", err)
	}
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintln(w, "ok")
}
