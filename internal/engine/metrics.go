package engine

import (
	"context"

	"github.com/lifecycled/lifecycled/internal/store"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the engine's Prometheus collectors. They are registered on the
// Registerer given to New, never on the global registry.
type metrics struct {
	cycles      *prometheus.CounterVec
	duration    prometheus.Histogram
	pulled      prometheus.Counter
	writes      *prometheus.CounterVec
	rejections  *prometheus.CounterVec
	drift       prometheus.Counter
	outbox      prometheus.Gauge
	apiUsed     prometheus.Gauge
	apiMax      prometheus.Gauge
	apiShare    prometheus.Gauge
	accounts    *prometheus.GaugeVec
	lastSuccess prometheus.Gauge
}

// The label values every labelled family exports from the start, at 0, so
// that rate() and absent-series alerts see a series before the first event.
var (
	cycleOutcomes = []string{OutcomeOK, OutcomePartial, OutcomeLimited, OutcomeAborted, OutcomeFailed}
	writeOutcomes = []string{"written", "deferred", "rejected"}
	// rejectionCodes are the codes lifecycled knows a write can be refused
	// with: its own (CodeInvalidInput, CodeTooLong) and Salesforce's for a
	// restricted picklist, a validation rule, a trigger, a duplicate rule
	// and a value too long: values of the StatusCode enumeration in the
	// org's WSDL, which write errors carry (SOAP API Developer Guide,
	// "DuplicateError": "The full list of status codes is available in the
	// WSDL file for your organization").
	rejectionCodes = []string{CodeInvalidInput, CodeTooLong, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
		"FIELD_CUSTOM_VALIDATION_EXCEPTION", "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY", "DUPLICATES_DETECTED",
		"STRING_TOO_LONG"}
)

// newMetrics builds the engine's collectors, every known label value
// present at 0, and registers them on reg (when not nil).
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		cycles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lifecycled_cycles_total", Help: "Reconcile cycles by outcome (ok, partial, limited, aborted, failed).",
		}, []string{"outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "lifecycled_cycle_duration_seconds", Help: "Wall time of reconcile cycles.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 14),
		}),
		pulled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lifecycled_accounts_pulled_total", Help: "Account records read from Salesforce.",
		}),
		writes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lifecycled_writes_total", Help: "Record writes by outcome (written, deferred, rejected).",
		}, []string{"outcome"}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lifecycled_rejections_total", Help: "Records rejected, by Salesforce or by lifecycled itself, by error code.",
		}, []string{"code"}),
		drift: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lifecycled_drift_total", Help: "Managed values changed by hand in Salesforce and re-asserted.",
		}),
		outbox: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lifecycled_outbox_depth", Help: "Pending writes in the outbox after the last cycle.",
		}),
		apiUsed: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lifecycled_api_usage", Help: "The org's API requests used today (Sforce-Limit-Info).",
		}),
		apiMax: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lifecycled_api_limit", Help: "The org's daily API request limit (Sforce-Limit-Info).",
		}),
		apiShare: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lifecycled_api_budget_share",
			Help: "Share of the daily API limit past which a cycle stops writing (sync.max_api_share; 0: no cap), set from the first cycle.",
		}),
		accounts: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "lifecycled_accounts", Help: "Accounts per computed lifecycle status after the last cycle.",
		}, []string{"status"}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lifecycled_last_success_timestamp_seconds", Help: "Unix time of the last successful cycle's end.",
		}),
	}
	for _, o := range cycleOutcomes {
		m.cycles.WithLabelValues(o)
	}
	for _, o := range writeOutcomes {
		m.writes.WithLabelValues(o)
	}
	for _, c := range rejectionCodes {
		m.rejections.WithLabelValues(c)
	}
	if reg != nil {
		reg.MustRegister(m.cycles, m.duration, m.pulled, m.writes, m.rejections, m.drift,
			m.outbox, m.apiUsed, m.apiMax, m.apiShare, m.accounts, m.lastSuccess)
	}
	return m
}

// observe updates metrics and logs one line for a finished run. counts are
// the accounts per status the cycle's snapshot found; nil when the cycle
// ended before it, and then they are counted here.
func (e *Engine) observe(ctx context.Context, r store.Run, counts map[string]int) {
	m := e.metrics
	m.cycles.WithLabelValues(r.Outcome).Inc()
	m.duration.Observe(r.Ended.Sub(r.Started).Seconds())
	used, max := e.crm.Usage()
	m.apiUsed.Set(float64(used))
	m.apiMax.Set(float64(max))
	m.apiShare.Set(e.opts.MaxAPIShare)
	if r.Outcome == OutcomeOK || r.Outcome == OutcomePartial {
		m.lastSuccess.Set(float64(r.Ended.UnixMilli()) / 1000)
	}
	if n, err := e.store.OutboxDepth(ctx); err == nil {
		m.outbox.Set(float64(n))
	}
	if counts == nil {
		counts, _ = e.store.StatusCounts(ctx)
	}
	if counts != nil {
		m.accounts.Reset()
		// Every status of the pack has a series, 0 when no account has it.
		for _, status := range e.pack.StatusValues() {
			if status != "" {
				m.accounts.WithLabelValues(status).Set(0)
			}
		}
		for status, n := range counts {
			if status != "" {
				m.accounts.WithLabelValues(status).Set(float64(n))
			}
		}
	}
	level := e.logger.Info
	if r.Outcome == OutcomeFailed || r.Outcome == OutcomeLimited {
		level = e.logger.Error
	}
	level("cycle", "run", r.ID, "kind", r.Kind, "outcome", r.Outcome, "as_of", r.AsOf,
		"pulled", r.Pulled, "computed", r.Computed, "changed", r.Changed, "written", r.Written,
		"failed", r.Failed, "rejected", r.Rejected, "drift", r.Drift, "deleted", r.Deleted,
		"api_calls", r.APICalls, "api_used", used, "api_max", max,
		"duration_ms", r.Ended.Sub(r.Started).Milliseconds(), "error", r.Error)
}
