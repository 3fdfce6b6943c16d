package engine

import (
	"maps"
	"slices"
	"strings"
	"sync"
)

// access holds the managed fields whose writes are paused because the
// integration user lost edit access to them (field-level security changed
// while the daemon ran). It is read by the HTTP endpoint's goroutine.
type access struct {
	mu     sync.Mutex
	paused map[string]string // field API name -> why
}

func (a *access) pause(field, why string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.paused == nil {
		a.paused = map[string]string{}
	}
	a.paused[field] = why
}

func (a *access) resume(field string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.paused, field)
}

// fields returns the paused fields, sorted.
func (a *access) fields() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Sorted(maps.Keys(a.paused))
}

func (a *access) isPaused(field string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.paused[field]
	return ok
}

// Blocked returns why the daemon is not doing all its work, for /readyz, or
// "" when nothing is paused.
func (e *Engine) Blocked() string {
	e.access.mu.Lock()
	defer e.access.mu.Unlock()
	if len(e.access.paused) == 0 {
		return ""
	}
	var parts []string
	for _, f := range slices.Sorted(maps.Keys(e.access.paused)) {
		parts = append(parts, f+": "+e.access.paused[f])
	}
	return "writes paused: " + strings.Join(parts, "; ")
}

// writable reads the object's describe and returns which managed fields the
// integration user may edit now. A field absent from the describe (no read
// access either) is not writable.
func (c *cycle) writable() (map[string]bool, error) {
	d, err := c.e.crm.Describe(c.ctx, c.e.opts.Object)
	if err != nil {
		return nil, err // the connector names the describe
	}
	out := map[string]bool{}
	for _, f := range d.Fields {
		if c.e.managed(f.Name) && f.Updateable {
			out[f.Name] = true
		}
	}
	return out, nil
}

// recheckAccess describes the object again while a field is paused, and
// resumes the fields the integration user may edit again.
func (c *cycle) recheckAccess() error {
	paused := c.e.access.fields()
	if len(paused) == 0 {
		return nil
	}
	ok, err := c.writable()
	if err != nil {
		return err
	}
	for _, f := range paused {
		if ok[f] {
			c.e.access.resume(f)
			c.e.logger.Info("field access restored; writes resume", "field", f)
		}
	}
	return nil
}

// checkAccess is called when Salesforce refused writes for lack of access:
// it describes the object and pauses each managed field the user can no
// longer edit, and reports whether any was paused. When every managed field
// is still editable, the refusals were about the records themselves
// (sharing), and nothing is paused.
func (c *cycle) checkAccess(cause string) (bool, error) {
	ok, err := c.writable()
	if err != nil {
		return false, err
	}
	any := false
	for _, f := range []string{c.e.def.TagsField, c.e.def.StatusField} {
		if ok[f] || c.e.access.isPaused(f) {
			any = any || c.e.access.isPaused(f)
			continue
		}
		any = true
		why := "the integration user cannot edit it (" + cause + "); grant Edit on it in the permission set"
		c.e.access.pause(f, why)
		c.e.logger.Error("writes of a field paused: the integration user lost edit access", "field", f, "error", cause)
	}
	return any, nil
}
