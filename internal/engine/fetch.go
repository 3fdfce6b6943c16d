package engine

import (
	"fmt"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce"
)

// pullSpec is what a pull reads.
type pullSpec struct {
	since  time.Time // zero: every record in scope
	others string    // the integration user's Id: leave out the records it changed last; "" reads them too
	ids    []string  // read these records whatever their modstamp (writes to read back)
	bulk   bool      // run it as a Bulk API 2.0 query job
	// refresh marks the re-read before a push: it counts nothing as pulled
	// by a full pull of its own.
	refresh bool
}

// maxRecheck bounds the Ids one pull reads back by Id; past it, a pull
// reads lifecycled's own writes in the window too.
const maxRecheck = 300

// othersOnly makes an incremental pull leave out lifecycled's own writes
// ("Don't pay for your own writes"), when the connector knows the
// integration user, and read back by Id the records whose writes may have
// landed unrecorded (the answer was lost, or the process died mid-write).
// With more of those than maxRecheck, it reads every change in the window.
func (c *cycle) othersOnly(p *pullSpec) error {
	me := c.e.crm.UserID()
	if me == "" {
		return nil
	}
	ids, n, err := c.e.store.Recheck(c.work, maxRecheck)
	if err != nil {
		return err
	}
	if n > len(ids) {
		c.e.logger.Info("reading every change in the window, lifecycled's own writes included, to read back writes whose outcome is unknown",
			"count", n)
		return nil
	}
	p.others, p.ids = me, ids
	return nil
}

// fetch runs the pull p and stores each page; it returns the highest
// SystemModstamp seen and Salesforce's time before the records were read.
//
// The API is chosen by volume: a full pull of an object over
// Options.BulkThreshold records (the last full pull's count, or a COUNT()
// query the first time) runs as a Bulk API 2.0 query job; other pulls page
// through the REST query, and fall back to a Bulk job when Salesforce
// refuses the REST query as QUERY_TIMEOUT (a non-selective query over a large
// object runs past its two minutes; "Bulk API 2.0 and Bulk API Developer
// Guide", and Heroku Connect switches to Bulk above 10,000 records for the
// same reason).
func (c *cycle) fetch(p pullSpec) (high, serverAt time.Time, err error) {
	seen := c.lastFul
	if c.full {
		seen = c.run.ID
		if !p.refresh {
			if p.bulk, err = c.bulkWorthy(); err != nil {
				return high, serverAt, err
			}
		}
	}
	page := func(records []salesforce.Record) error {
		if c.ctx.Err() != nil {
			return errStopped
		}
		top, err := c.pullPage(records, seen)
		if top.After(high) {
			high = top
		}
		return err
	}
	// Reads stop at once at shutdown (ctx), retries and backoff waits
	// included: only a write already sent may use the grace period.
	if !p.bulk {
		err = c.e.crm.Query(c.ctx, c.e.pullQuery(p), func(records []salesforce.Record) error {
			if serverAt.IsZero() {
				// Salesforce's time when it answered the query: every
				// change committed before the query ran is in this pull.
				serverAt = c.e.crm.ServerTime()
			}
			return page(records)
		})
		if salesforce.Classify(err) != salesforce.ClassQueryTimeout || c.e.bulk == nil {
			return high, serverAt, c.pullErr(err)
		}
		c.e.logger.Warn("the REST query timed out (not selective enough for this many records); reading with a Bulk API 2.0 query job",
			"error", err)
		p.bulk = true
	}
	// A Bulk job's results are the records as of the job's run, after this
	// moment: the last response's time bounds the next pull's window.
	serverAt = c.e.crm.ServerTime()
	err = c.e.bulk.BulkQuery(c.ctx, c.e.opts.Object, c.e.pullQuery(p), page)
	return high, serverAt, c.pullErr(err)
}

func (c *cycle) pullErr(err error) error {
	switch {
	case err == nil:
		return nil
	case salesforce.Classify(err) == salesforce.ClassLimit:
		return fmt.Errorf("pull: %w: %w", ErrLimitExceeded, err)
	default:
		return fmt.Errorf("pull: %w", err)
	}
}

// bulkWorthy reports whether a full pull should run as a Bulk job: the
// object held more than Options.BulkThreshold records at the last full pull
// (or, the first time, by a COUNT() query).
func (c *cycle) bulkWorthy() (bool, error) {
	if c.e.bulk == nil || c.e.opts.BulkThreshold < 0 {
		return false, nil
	}
	n, err := c.e.store.Meta(c.work, metaFullCount)
	if err != nil {
		return false, err
	}
	var count int
	if _, perr := fmt.Sscan(n, &count); perr != nil || n == "" {
		count, err = c.e.crm.Count(c.ctx, "SELECT COUNT() FROM "+c.e.opts.Object+c.e.scope())
		switch {
		case salesforce.Classify(err) == salesforce.ClassQueryTimeout:
			return true, nil // too many to count in time: many indeed
		case err != nil:
			return false, c.pullErr(fmt.Errorf("count records: %w", err))
		}
	}
	return count > c.e.opts.BulkThreshold, nil
}

// scope is the sync scope as a WHERE clause, or "".
func (e *Engine) scope() string {
	if w := e.opts.Where; w != "" {
		return " WHERE (" + w + ")"
	}
	return ""
}

// refresh reads, just before a push, what others changed since the pull
// began: an edit a person made while this cycle computed is taken into
// account before lifecycled writes the record (after lifecycled's write,
// the next pull would leave that record out as lifecycled's own). It costs
// one query, and only when there is something to write.
func (c *cycle) refresh() error {
	me := c.e.crm.UserID()
	if me == "" || c.pulledAt.IsZero() {
		return nil
	}
	n, err := c.e.store.CountDue(c.work, c.started)
	if err != nil || n == 0 {
		return err
	}
	c.refreshing = true
	defer func() { c.refreshing = false }()
	_, _, err = c.fetch(pullSpec{since: c.pulledAt, others: me, refresh: true})
	return err
}
