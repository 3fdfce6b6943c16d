package main

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/lifecycled/lifecycled/internal/server"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// serve starts the HTTP endpoint (health, metrics, dashboard) on the
// config's server.listen. now is the clock readiness is judged by; blocked,
// when not nil, says why the daemon cannot work now. Its /metrics serves
// the engine's registry together with processMetrics.
func (m *Main) serve(now func() time.Time, blocked func() string) (*server.Server, error) {
	cfg := m.Config
	proc, err := processMetrics()
	if err != nil {
		return nil, err
	}
	srv := server.New(server.Options{
		Listen:       cfg.Server.Listen,
		Store:        m.Store,
		Gatherer:     prometheus.Gatherers{m.Registry, proc},
		Interval:     cfg.Sync.Interval,
		Now:          now,
		Location:     cfg.Sync.Location,
		StatusValues: m.Pack.StatusValues(),
		RevenueField: cfg.RevenueField(),
		Fields:       factFields(cfg),
		Logger:       m.Logger,
		Blocked:      blocked,
	})
	if err := srv.Open(); err != nil {
		return nil, err
	}
	return srv, nil
}

// processMetrics returns a registry with what a Prometheus user expects of
// any Go daemon: the Go runtime's collector (go_*), the process collector
// (process_*, where the OS offers it) and lifecycled_build_info, a gauge of
// 1 whose labels carry the version and the Go version it was built with.
func processMetrics() (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "lifecycled_build_info", Help: "A gauge of 1 labelled with lifecycled's version and the Go version that built it.",
	}, []string{"version", "goversion"})
	build.WithLabelValues(version, runtime.Version()).Set(1)
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		build,
	} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	return reg, nil
}

// closeServer stops srv, giving requests in flight a few seconds.
func closeServer(srv *server.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Close(ctx)
}
