package mapping

import "strings"

// SplitTags splits a tags field value into its tags: each entry trimmed of
// white space, empty entries dropped, duplicates kept. An empty separator
// yields the whole trimmed value as one tag.
func SplitTags(value, sep string) []string {
	var out []string
	eachTag(value, sep, func(t string) { out = append(out, t) })
	return out
}

// eachTag calls fn with every non-empty trimmed entry of value, in order.
func eachTag(value, sep string, fn func(string)) {
	if sep == "" {
		if t := strings.TrimSpace(value); t != "" {
			fn(t)
		}
		return
	}
	for value != "" {
		tok, rest, found := strings.Cut(value, sep)
		if t := strings.TrimSpace(tok); t != "" {
			fn(t)
		}
		if !found {
			break
		}
		value = rest
	}
}

// SameTagSet reports whether two tags values hold the same set of tags: order,
// white space, empty entries and duplicates do not matter.
func SameTagSet(a, b, sep string) bool {
	sa, sb := map[string]bool{}, map[string]bool{}
	eachTag(a, sep, func(t string) { sa[t] = true })
	eachTag(b, sep, func(t string) { sb[t] = true })
	if len(sa) != len(sb) {
		return false
	}
	for t := range sa {
		if !sb[t] {
			return false
		}
	}
	return true
}

// MergeTags returns the new value of a tags field whose current value is
// current: the foreign tags of current (those isManaged rejects) in their
// original order with duplicates and empty entries dropped, then apply, all
// joined by sep. Foreign tags are never removed or reordered; managed tags in
// current that apply does not list are dropped.
func MergeTags(current, sep string, isManaged func(string) bool, apply []string) string {
	var m merger
	buf := m.merge(nil, current, sep, func(t string) int {
		if isManaged(t) {
			return 0
		}
		return -1
	}, nil, apply)
	return string(buf)
}

// merger holds the scratch space of a merge so a Pack can reuse it.
type merger struct {
	foreign []string
	seen    map[string]struct{}
}

// dedupMapAt is the number of foreign tags past which duplicates are found
// with a map instead of a linear scan.
const dedupMapAt = 16

// merge appends to buf the foreign tags of current and then apply, joined
// by sep. managed returns a managed tag's index, or -1 for a foreign tag;
// when present is non-nil, present[i] is set for every managed tag i found in
// current.
func (m *merger) merge(buf []byte, current, sep string, managed func(string) int, present []bool, apply []string) []byte {
	clear(m.foreign) // drop references to the previous value's strings
	m.foreign = m.foreign[:0]
	clear(m.seen)
	eachTag(current, sep, func(t string) {
		if i := managed(t); i >= 0 {
			if present != nil {
				present[i] = true
			}
			return
		}
		if m.seenBefore(t) {
			return
		}
		if len(buf) > 0 {
			buf = append(buf, sep...)
		}
		buf = append(buf, t...)
	})
	for _, t := range apply {
		if len(buf) > 0 {
			buf = append(buf, sep...)
		}
		buf = append(buf, t...)
	}
	return buf
}

// seenBefore records t and reports whether it was recorded before.
func (m *merger) seenBefore(t string) bool {
	if len(m.foreign) >= dedupMapAt {
		if _, ok := m.seen[t]; ok {
			return true
		}
		m.seen[t] = struct{}{}
		return false
	}
	for _, f := range m.foreign {
		if f == t {
			return true
		}
	}
	m.foreign = append(m.foreign, t)
	if len(m.foreign) == dedupMapAt {
		if m.seen == nil {
			m.seen = make(map[string]struct{}, 2*dedupMapAt)
		}
		for _, f := range m.foreign {
			m.seen[f] = struct{}{}
		}
	}
	return false
}
