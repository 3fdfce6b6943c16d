package mapping

import (
	"fmt"
	"unicode/utf8"
)

// Result is what the rules make of one account.
type Result struct {
	ID          string   `json:"id"`
	ManagedTags []string `json:"managed_tags"` // the managed tags that apply, in smart-list order; nil when none; may be shared: do not modify
	// Tags and Status are the fields' new values; nil clears the field. They
	// may share memory with the Account and the Pack: do not modify them.
	Tags          *string `json:"tags"`
	Status        *string `json:"status"`
	TagsChanged   bool    `json:"tags_changed"`       // the tag set differs from the current one
	StatusChanged bool    `json:"status_changed"`     // the status differs from the current one (empty and nil are equal)
	Rejected      string  `json:"rejected,omitempty"` // non-empty: the new values cannot be written, and why
}

// state is the scratch space of one evaluation, pooled by the Pack.
type state struct {
	f       frame
	present []bool
	buf     []byte
	m       merger
}

func (p *Pack) newState() *state {
	nf, nd, nl := len(p.def.Fields), len(p.derived), len(p.lists)
	return &state{
		f:       frame{vals: make([]value, nf+nd), tags: make([]bool, nl)},
		present: make([]bool, nl),
		buf:     make([]byte, 0, 256),
	}
}

// run evaluates the derived values and smart lists of a into f and returns
// the index of the status rule that fires, or -1.
func (p *Pack) run(f *frame, a Account, asOf Date) int {
	nf := len(p.def.Fields)
	n := copy(f.vals[:nf], a.vals)
	clear(f.vals[n:nf])
	f.today = asOf
	for i, d := range p.derived {
		f.vals[nf+i] = d.fn(f)
	}
	for i, l := range p.lists {
		f.tags[i] = l.test(f)
	}
	for i, r := range p.rules {
		if r.test(f) {
			return i
		}
	}
	return -1
}

// Evaluate computes a's managed tags and status on the date asOf, and the
// new values of the tags and status fields: the foreign tags of a.Tags in
// their order (duplicates and empty entries dropped), then the managed tags
// that apply in smart-list order. TagsChanged is set only when the set of
// tags differs from a.Tags (order, white space and duplicates do not count);
// StatusChanged only when the status value differs. When no status rule
// fires, the status is Otherwise, or a.Status unchanged with OtherwiseKeep.
// A changed tags value
// longer than TagsMaxLen characters is not truncated: the result is Rejected
// with the reason. Evaluate never panics on any Account.
func (p *Pack) Evaluate(a Account, asOf Date) Result {
	st := p.pool.Get().(*state)
	defer p.pool.Put(st)
	return p.result(st, a, p.run(&st.f, a, asOf))
}

func (p *Pack) result(st *state, a Account, rule int) Result {
	res := Result{ID: a.ID}
	f := &st.f
	count, last := 0, -1
	for i, on := range f.tags {
		if on {
			count, last = count+1, i
		}
	}
	switch {
	case count == 1:
		res.ManagedTags = p.single[last][:1:1] // shared, like the strings in it
	case count > 1:
		res.ManagedTags = make([]string, 0, count)
		for i, on := range f.tags {
			if on {
				res.ManagedTags = append(res.ManagedTags, p.def.SmartLists[i].Tag)
			}
		}
	}

	cur := ""
	if a.Tags != nil {
		cur = *a.Tags
	}
	clear(st.present)
	st.buf = st.m.merge(st.buf[:0], cur, p.def.Separator, p.tagOf, st.present, res.ManagedTags)
	switch {
	case len(st.buf) == 0:
	case a.Tags != nil && string(st.buf) == *a.Tags:
		res.Tags = a.Tags // unchanged text: share it
	case count == 1 && string(st.buf) == *p.tagPtr[last]:
		res.Tags = p.tagPtr[last] // only the one managed tag
	default:
		s := string(st.buf)
		res.Tags = &s
	}
	for i, on := range f.tags {
		if on != st.present[i] {
			res.TagsChanged = true
			break
		}
	}

	switch {
	case rule >= 0:
		res.Status = p.status[rule]
	case p.def.OtherwiseKeep:
		res.Status = a.Status // no rule fired: the status stays as it is
	default:
		res.Status = p.other
	}
	res.StatusChanged = !sameValue(a.Status, res.Status)

	if max := p.def.TagsMaxLen; res.TagsChanged && max > 0 && res.Tags != nil {
		if n := utf8.RuneCountInString(*res.Tags); n > max {
			res.Rejected = fmt.Sprintf("the new value of %s is %d characters long, more than the %d the field holds (it is not truncated)",
				p.def.TagsField, n, max)
		}
	}
	return res
}

// tagOf returns the smart-list index of a managed tag, or -1.
func (p *Pack) tagOf(t string) int {
	if i, ok := p.tagIndex[t]; ok {
		return i
	}
	return -1
}

// sameValue reports whether two field values are equal, empty and nil being
// equal.
func sameValue(a, b *string) bool {
	x, y := "", ""
	if a != nil {
		x = *a
	}
	if b != nil {
		y = *b
	}
	return x == y
}
