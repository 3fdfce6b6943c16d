package main

import (
	"context"
	"strings"
	"time"

	"github.com/lifecycled/lifecycled/config"
	"github.com/lifecycled/lifecycled/internal/server"
)

// serve starts the HTTP endpoint (health, metrics, dashboard) on the
// config's server.listen. now is the clock readiness is judged by.
func (m *Main) serve(now func() time.Time) (*server.Server, error) {
	cfg := m.Config
	srv := server.New(server.Options{
		Listen:       cfg.Server.Listen,
		Store:        m.Store,
		Gatherer:     m.Registry,
		Interval:     cfg.Sync.Interval,
		Now:          now,
		Location:     cfg.Sync.Location,
		StatusValues: m.Pack.StatusValues(),
		RevenueField: revenueField(cfg),
		Logger:       m.Logger,
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

// revenueField is the API name of the field mapped as "arr" or "revenue",
// which the dashboard sums for renewals; "" when none is mapped.
func revenueField(cfg *config.Config) string {
	for _, f := range cfg.Fields {
		switch strings.ToLower(f.Name) {
		case "arr", "revenue":
			return f.APIName
		}
	}
	return ""
}
