package sftest

import (
	"sync"
	"time"
)

// A cursor is the server side of a query locator: the matching rows, in
// result order, and what to render of them. It holds row numbers only (4
// bytes a record), never record copies, so a query over a million accounts
// costs 4 MB; the values are read when a page is served.
type cursor struct {
	id     string
	object string
	names  []string // selected fields, canonical names
	fields []int    // their indexes in the table
	rows   []int32
	all    bool
	batch  int
	used   time.Time
}

// Query locator lifetime and count ("QueryLocator", SOAP API Developer
// Guide: "The queryLocator value expires automatically after 15 minutes of
// inactivity"; "A user can have up to ten query cursors open at a time. If
// ten QueryLocator cursors are opened when a client application with the
// same logged-in user attempts to open a new cursor, then the oldest of the
// ten cursors is released").
const (
	cursorIdle = 15 * time.Minute
	maxCursors = 10
)

// cursorSet holds the open cursors of the org's one integration user.
type cursorSet struct {
	mu    sync.Mutex
	open  []*cursor // oldest first
	count int
}

// add opens c at now, releasing the oldest cursor past maxCursors, and
// returns its locator: an 18-character ID with the 01g prefix, as in the
// REST API examples (".../query/01gD0000002HU6KIAW-2000").
func (cs *cursorSet) add(c *cursor, now time.Time) string {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.count++
	c.id = makeID("01g", cs.count)
	c.used = now
	cs.open = append(cs.open, c)
	if len(cs.open) > maxCursors {
		cs.open[0] = nil
		cs.open = cs.open[1:]
	}
	return c.id
}

// get returns the open cursor with locator id, or nil when there is none or
// it has been idle too long (it is then released). A hit counts as use.
func (cs *cursorSet) get(id string, now time.Time) *cursor {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for i, c := range cs.open {
		if c.id != id {
			continue
		}
		if now.Sub(c.used) > cursorIdle {
			cs.open = append(cs.open[:i], cs.open[i+1:]...)
			return nil
		}
		c.used = now
		return c
	}
	return nil
}

// releaseAll drops every cursor.
func (cs *cursorSet) releaseAll() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.open = nil
}
