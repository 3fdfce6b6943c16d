// Package engine is lifecycled's reconcile loop: each cycle pulls accounts from
// the CRM, computes their tags and status with the mapping rules, diffs them
// against what the CRM holds and pushes the difference.
//
// The loop is level-based: every cycle recomputes the desired state from what
// is stored and what Salesforce says, and never replays events, so a cycle
// after a crash (even kill -9) converges to the same state as an
// uninterrupted run.
package engine

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce"
	"github.com/lifecycled/lifecycled/internal/store"
	"github.com/lifecycled/lifecycled/mapping"
	"github.com/prometheus/client_golang/prometheus"
)

// CRM is what the engine needs from a CRM connector.
type CRM interface {
	Query(ctx context.Context, soql string, fn func(page []salesforce.Record) error) error
	Update(ctx context.Context, object string, batch []salesforce.Update) ([]salesforce.Result, error)
	// Describe is read again when writes fail for lack of field access.
	Describe(ctx context.Context, object string) (*salesforce.Describe, error)
	// Count returns the number of records a SELECT COUNT() query matches.
	Count(ctx context.Context, soql string) (int, error)
	// UserID is the integration user's Id ("" when unknown): incremental
	// pulls leave out the records it changed last.
	UserID() string
	Usage() (used, max int)
	Calls() int64
	// ServerTime is the CRM's clock as its last response told it; zero
	// when unknown.
	ServerTime() time.Time
}

// Bulk is what the engine needs of a CRM's Bulk API 2.0, used by volume: a
// full pull of a large object, and a push of many records.
type Bulk interface {
	// BulkQuery runs soql as a query job and calls fn with each page of
	// results, typed as the REST query types them.
	BulkQuery(ctx context.Context, object, soql string, fn func(page []salesforce.Record) error) error
	// CreateUpdateJob opens an update job; UploadUpdateJobFrom sends its
	// data as rows produces it and closes it; JobResultsFrom polls it
	// once and, when it ended, hands over each record's outcome as it
	// reads the results; AbortJob aborts it. Neither the data nor the
	// results are ever held whole.
	CreateUpdateJob(ctx context.Context, object string) (string, error)
	UploadUpdateJobFrom(ctx context.Context, job string, fields []string, rows func(emit func(salesforce.Update) error) error) error
	JobResultsFrom(ctx context.Context, job string, fn func(id string, err error) error) (state string, done bool, err error)
	AbortJob(ctx context.Context, job string) error
}

// Defaults for Options fields left zero.
const (
	DefaultOverlap   = 5 * time.Minute
	DefaultGrace     = 10 * time.Second
	DefaultBatchSize = 200
	// DefaultRetryRejectedAfter is how long a write Salesforce refused is
	// held back when its inputs do not change.
	DefaultRetryRejectedAfter = 24 * time.Hour
	// DefaultMaxRetryLater bounds the attempts of a record that keeps
	// failing for a passing cause (a locked row): past it, the record is
	// a rejection an operator sees.
	DefaultMaxRetryLater = 8
	// DefaultBulkThreshold: a full pull of an object with more records runs
	// as a Bulk API 2.0 query job.
	DefaultBulkThreshold = 10000
	// DefaultBulkWriteThreshold: a push of more records runs as a Bulk API
	// 2.0 ingest job.
	DefaultBulkWriteThreshold = 2000
	// MaxJobRecords bounds one ingest job: Bulk API 2.0 takes up to
	// 150,000,000 records a day in jobs of at most 150 MB of CSV ("Bulk
	// API 2.0 Limits and Allocations"); a million short rows stay far
	// below that size.
	MaxJobRecords = 1000000
	// MaxBatchSize is the sObject Collections limit: "The list can contain up
	// to 200 objects." (REST API Developer Guide, "Update Multiple Records").
	MaxBatchSize = 200
)

// Options configures an Engine. Zero values take the defaults above.
type Options struct {
	Object      string         // the sObject, e.g. "Account"
	Where       string         // optional extra SOQL condition limiting the managed records
	BatchSize   int            // records per collection write, 1..200
	MaxAPIShare float64        // stop a cycle's writes past this share of the daily API limit (0 = no cap)
	Location    *time.Location // "today" is taken in this zone
	Interval    time.Duration  // time between cycles in Run
	FullResync  time.Duration  // a full pull at least this often (0 = only when needed)
	Overlap     time.Duration  // incremental pulls start this long before the watermark
	Grace       time.Duration  // how long an in-flight request may finish after shutdown starts

	RulesVersion string // changes when computed results may change: all accounts are recomputed
	ScopeVersion string // changes when the pulled fields or scope change: a full pull follows

	// RecordTypes, when the object has record types, holds each one by its
	// 15-character Id; nil when it has none. Records with no record type
	// have DefaultRecordType (the integration user's default).
	RecordTypes       map[string]RecordType
	DefaultRecordType string

	RetryRejectedAfter time.Duration // a refused write is held this long unless its inputs change
	MaxRetryLater      int           // attempts of a record failing for a passing cause before it is a rejection

	// BulkThreshold and BulkWriteThreshold choose the Bulk API (when the
	// CRM has one) over REST by volume; -1 never uses it.
	BulkThreshold      int
	BulkWriteThreshold int
}

// Engine runs reconcile cycles. Create it with New; it is safe to call
// Cycle from one goroutine at a time.
type Engine struct {
	store   *store.DB
	crm     CRM
	bulk    Bulk // nil: the CRM has no Bulk API
	pack    *mapping.Pack
	def     mapping.Definition
	opts    Options
	logger  *slog.Logger
	metrics *metrics
	access  access // fields paused for lack of access

	// Now is the clock; tests replace it to move the as-of date.
	Now func() time.Time
}

// Sentinel errors.
var (
	// ErrLimitExceeded reports that the org's API limit (or the configured
	// share of it) stopped the cycle's work early.
	ErrLimitExceeded = errors.New("api limit reached")
)

// New returns an engine. It does no I/O. reg may be nil.
func New(db *store.DB, crm CRM, pack *mapping.Pack, opts Options, logger *slog.Logger, reg prometheus.Registerer) *Engine {
	if opts.BatchSize <= 0 || opts.BatchSize > MaxBatchSize {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Overlap <= 0 {
		opts.Overlap = DefaultOverlap
	}
	if opts.Grace <= 0 {
		opts.Grace = DefaultGrace
	}
	if opts.Interval <= 0 {
		opts.Interval = 5 * time.Minute
	}
	if opts.Object == "" {
		opts.Object = "Account"
	}
	if opts.RetryRejectedAfter <= 0 {
		opts.RetryRejectedAfter = DefaultRetryRejectedAfter
	}
	if opts.MaxRetryLater <= 0 {
		opts.MaxRetryLater = DefaultMaxRetryLater
	}
	if opts.BulkThreshold == 0 {
		opts.BulkThreshold = DefaultBulkThreshold
	}
	if opts.BulkWriteThreshold == 0 {
		opts.BulkWriteThreshold = DefaultBulkWriteThreshold
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	bulk, _ := crm.(Bulk)
	return &Engine{
		store:   db,
		crm:     crm,
		bulk:    bulk,
		pack:    pack,
		def:     pack.Definition(),
		opts:    opts,
		logger:  logger.With("component", "engine"),
		metrics: newMetrics(reg),
		Now:     time.Now,
	}
}

// today is the as-of date: the calendar date now in the configured zone.
func (e *Engine) today() mapping.Date {
	return mapping.DateIn(e.Now(), e.opts.Location)
}

// Meta keys the engine keeps in the store.
const (
	metaWatermark    = "watermark"      // RFC3339Nano: highest SystemModstamp pulled
	metaLastFull     = "last_full_pull" // RFC3339Nano: when the last full pull completed
	metaLastFullID   = "last_full_id"   // run id of the last completed full pull
	metaFullCount    = "full_count"     // records the last completed full pull read
	metaAsOf         = "as_of"          // date every stored account was last computed for
	metaRulesVersion = "rules_version"
	metaScopeVersion = "scope_version"
)
