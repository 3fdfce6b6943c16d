package sftest

import (
	"math"
	"time"
)

// table holds one object's records, column by column. Row r's ID is
// makeID(prefix, r), so IDs cost no memory and a lookup is a decode. The
// server's mutex guards every table.
type table struct {
	obj  *ObjectSchema
	cols []column
	n    int

	fDeleted, fCreated, fModified, fModstamp int
	fCreatedBy, fModifiedBy                  int
	fName, fRecordType                       int               // -1 when the object lacks the field
	strings                                  map[string]string // interned text values
	names                                    nameIndex         // built on first use by the duplicate rule
}

// column holds one field's values; only the slice of the field's kind is used.
type column struct {
	s []string
	f []float64
	i []int64
	b []bool
}

// maxInterned bounds the intern table: values repeat (tags, owners) but an
// unbounded table would keep every distinct value of a free-text field.
const maxInterned = 1 << 16

func newTable(o *ObjectSchema) *table {
	t := &table{obj: o, cols: make([]column, len(o.Fields)), strings: map[string]string{}}
	t.fDeleted = t.index("IsDeleted")
	t.fCreated = t.index("CreatedDate")
	t.fModified = t.index("LastModifiedDate")
	t.fModstamp = t.index("SystemModstamp")
	t.fCreatedBy = t.index("CreatedById")
	t.fModifiedBy = t.index("LastModifiedById")
	t.fName = t.index("Name")
	t.fRecordType = t.index("RecordTypeId")
	return t
}

func (t *table) index(name string) int {
	_, i, _ := t.obj.Field(name)
	return i
}

// grow reserves room for n more rows.
func (t *table) grow(n int) {
	for fi, f := range t.obj.Fields {
		c := &t.cols[fi]
		switch f.kind {
		case kNumber:
			c.f = growSlice(c.f, n)
		case kBool:
			c.b = growSlice(c.b, n)
		case kDate, kDateTime:
			c.i = growSlice(c.i, n)
		default:
			if fi != 0 { // Id is computed
				c.s = growSlice(c.s, n)
			}
		}
	}
}

func growSlice[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	out := make([]T, len(s), len(s)+n)
	copy(out, s)
	return out
}

// appendRow adds a row of nulls stamped created and modified at ms, by
// HumanUserID (Insert and the generator are users' work).
func (t *table) appendRow(ms int64) int {
	row := t.n
	for fi, f := range t.obj.Fields {
		c := &t.cols[fi]
		switch f.kind {
		case kNumber:
			c.f = append(c.f, math.NaN())
		case kBool:
			c.b = append(c.b, false)
		case kDate:
			c.i = append(c.i, nullDay)
		case kDateTime:
			c.i = append(c.i, nullMillis)
		default:
			if fi != 0 {
				c.s = append(c.s, "")
			}
		}
	}
	t.n++
	t.set(row, t.fCreated, cell{i: ms})
	t.set(row, t.fModified, cell{i: ms})
	t.set(row, t.fModstamp, cell{i: ms})
	t.set(row, t.fCreatedBy, cell{s: HumanUserID})
	t.set(row, t.fModifiedBy, cell{s: HumanUserID})
	return row
}

func (t *table) id(row int) string { return makeID(t.obj.KeyPrefix, row) }

// lookup resolves a 15- or 18-character ID to a row: errMalformedID when it
// is not an ID of this object, row -1 when no such record exists.
func (t *table) lookup(id string) (int, error) {
	c, err := canonicalID(id)
	if err != nil || c[:3] != t.obj.KeyPrefix {
		return -1, errMalformedID
	}
	r := rowOf(t.obj.KeyPrefix, c)
	if r < 0 || r >= t.n {
		return -1, nil
	}
	return r, nil
}

func (t *table) deleted(row int) bool { return t.cols[t.fDeleted].b[row] }

func (t *table) get(row, fi int) cell {
	c := &t.cols[fi]
	switch t.obj.Fields[fi].kind {
	case kNumber:
		return cell{f: c.f[row]}
	case kBool:
		return cell{b: c.b[row]}
	case kDate, kDateTime:
		return cell{i: c.i[row]}
	}
	if fi == 0 {
		return cell{s: t.id(row)}
	}
	return cell{s: c.s[row]}
}

// set stores v in row's column fi, keeping the name index current.
func (t *table) set(row, fi int, v cell) {
	if t.names != nil && (fi == t.fName || fi == t.fDeleted) {
		t.names.remove(t, row)
		t.setCell(row, fi, v)
		t.names.add(t, row)
		return
	}
	t.setCell(row, fi, v)
}

func (t *table) setCell(row, fi int, v cell) {
	c := &t.cols[fi]
	switch t.obj.Fields[fi].kind {
	case kNumber:
		c.f[row] = v.f
	case kBool:
		c.b[row] = v.b
	case kDate, kDateTime:
		c.i[row] = v.i
	default:
		if fi == 0 {
			return
		}
		if t.obj.Fields[fi].Type == "string" {
			c.s[row] = v.s // names and other free text rarely repeat
			return
		}
		c.s[row] = t.intern(v.s)
	}
}

func (t *table) intern(s string) string {
	if s == "" || len(s) > 512 {
		return s
	}
	if v, ok := t.strings[s]; ok {
		return v
	}
	if len(t.strings) < maxInterned {
		t.strings[s] = s
	}
	return s
}

// value returns a stored value in Salesforce's JSON form (see Record).
func (t *table) value(row, fi int) any {
	v := t.get(row, fi)
	switch t.obj.Fields[fi].kind {
	case kNumber:
		if math.IsNaN(v.f) {
			return nil
		}
		return v.f
	case kBool:
		return v.b
	case kDate:
		if v.i == nullDay {
			return nil
		}
		return formatDay(v.i)
	case kDateTime:
		if v.i == nullMillis {
			return nil
		}
		return formatMillis(v.i)
	}
	if v.s == "" {
		return nil
	}
	return v.s
}

// queryValue returns a stored value as package soql reads it: like value,
// but a date or dateTime as a time.Time (UTC).
func (t *table) queryValue(row, fi int) any {
	switch t.obj.Fields[fi].kind {
	case kDateTime:
		ms := t.cols[fi].i[row]
		if ms == nullMillis {
			return nil
		}
		return time.UnixMilli(ms).UTC()
	case kDate:
		d := t.cols[fi].i[row]
		if d == nullDay {
			return nil
		}
		return dayTime(d)
	}
	return t.value(row, fi)
}

// appendValue appends a stored value as JSON.
func (t *table) appendValue(b []byte, row, fi int) []byte {
	v := t.get(row, fi)
	switch t.obj.Fields[fi].kind {
	case kNumber:
		if math.IsNaN(v.f) {
			return append(b, "null"...)
		}
		return appendNumber(b, v.f)
	case kBool:
		if v.b {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case kDate:
		if v.i == nullDay {
			return append(b, "null"...)
		}
		return append(dayTime(v.i).AppendFormat(append(b, '"'), dateLayout), '"')
	case kDateTime:
		if v.i == nullMillis {
			return append(b, "null"...)
		}
		return append(time.UnixMilli(v.i).UTC().AppendFormat(append(b, '"'), dateTimeLayout), '"')
	}
	if v.s == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, v.s)
}

// record returns row as a Record with every field.
func (t *table) record(row int) Record {
	r := make(Record, len(t.obj.Fields))
	for fi, f := range t.obj.Fields {
		r[f.Name] = t.value(row, fi)
	}
	return r
}
