package main

import (
	"context"
	"time"

	"github.com/lifecycled/lifecycled/internal/server"
)

// serve starts the HTTP endpoint (health, metrics, dashboard) on the
// config's server.listen. now is the clock readiness is judged by; blocked,
// when not nil, says why the daemon cannot work now.
func (m *Main) serve(now func() time.Time, blocked func() string) (*server.Server, error) {
	cfg := m.Config
	srv := server.New(server.Options{
		Listen:       cfg.Server.Listen,
		Store:        m.Store,
		Gatherer:     m.Registry,
		Interval:     cfg.Sync.Interval,
		Now:          now,
		Location:     cfg.Sync.Location,
		StatusValues: m.Pack.StatusValues(),
		RevenueField: cfg.RevenueField(),
		Logger:       m.Logger,
		Blocked:      blocked,
	})
	if err := srv.Open(); err != nil {
		return nil, err
	}
	return srv, nil
}

// closeServer stops srv, giving requests in flight a few seconds.
func closeServer(srv *server.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Close(ctx)
}
