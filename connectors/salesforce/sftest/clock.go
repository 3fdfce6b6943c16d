package sftest

import (
	"sync"
	"time"
)

// Clock is a settable time source for Options.Now, to share with the code
// under test so that the emulator's timestamps and the tested code's "now"
// agree. Each reading moves it forward by Tick (zero: it stands still), so
// that successive timestamps can be made to differ. It is safe for
// concurrent use.
type Clock struct {
	Tick time.Duration

	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time, then moves it forward by Tick.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	c.t = c.t.Add(c.Tick)
	return t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
