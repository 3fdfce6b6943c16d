package sftest

import (
	"errors"
	"strings"
)

// Record IDs follow Salesforce's format: 15 case-sensitive characters (a
// three-character key prefix naming the object, then the record's number),
// and an 18-character case-insensitive form whose last three characters
// encode which of the first 15 are upper-case letters ("What is a Salesforce
// ID?" and the CaseSafeID algorithm, Salesforce Help article 000385585,
// https://help.salesforce.com/s/articleView?id=000385585&type=1; SOAP API
// Developer Guide, Field Types, ID:
// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm).
//
// The emulator numbers a table's rows and encodes the row number in the ID:
// prefix + "Dn0000" + six base-62 digits. Base 62 in ASCII order keeps the
// lexical order of IDs equal to row order.

const (
	idPod    = "Dn0000"
	idDigits = 6
	base62   = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	// checksumAlphabet maps a five-bit case mask to its suffix character.
	checksumAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
)

var errMalformedID = errors.New("malformed id")

// makeID returns the 18-character ID of row n of an object with prefix.
func makeID(prefix string, n int) string {
	var b [18]byte
	copy(b[:], prefix)
	copy(b[3:], idPod)
	for i := 14; i >= 9; i-- {
		b[i] = base62[n%62]
		n /= 62
	}
	suffix := caseSuffix(b[:15])
	copy(b[15:], suffix[:])
	return string(b[:])
}

// caseSuffix computes the three checksum characters of a 15-character ID:
// for each block of five characters, a bit per upper-case letter (the first
// character is the lowest bit), mapped through A-Z0-5.
func caseSuffix(id []byte) [3]byte {
	var out [3]byte
	for block := 0; block < 3; block++ {
		mask := 0
		for i := 0; i < 5; i++ {
			c := id[block*5+i]
			if c >= 'A' && c <= 'Z' {
				mask |= 1 << i
			}
		}
		out[block] = checksumAlphabet[mask]
	}
	return out
}

// To18 converts a 15-character ID to its 18-character form; an 18-character
// ID is normalised (see canonicalID). It returns errMalformedID for anything
// else.
func To18(id string) (string, error) {
	c, err := canonicalID(id)
	if err != nil {
		return "", err
	}
	s := caseSuffix([]byte(c))
	return c + string(s[:]), nil
}

// canonicalID returns the case-sensitive 15-character form of a 15- or
// 18-character ID. An 18-character ID is case-insensitive: its suffix
// restores the case of the first 15 characters, as Salesforce does when it
// accepts an 18-character ID in any case.
func canonicalID(id string) (string, error) {
	switch len(id) {
	case 15:
		for i := 0; i < 15; i++ {
			if !isAlnum(id[i]) {
				return "", errMalformedID
			}
		}
		return id, nil
	case 18:
		b := []byte(id[:15])
		for block := 0; block < 3; block++ {
			mask := strings.IndexByte(checksumAlphabet, upper(id[15+block]))
			if mask < 0 {
				return "", errMalformedID
			}
			for i := 0; i < 5; i++ {
				p := block*5 + i
				c := b[p]
				if !isAlnum(c) {
					return "", errMalformedID
				}
				isLetter := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
				up := mask&(1<<i) != 0
				switch {
				case up && !isLetter:
					return "", errMalformedID
				case up:
					b[p] = upper(c)
				case isLetter:
					b[p] = lower(c)
				}
			}
		}
		return string(b), nil
	}
	return "", errMalformedID
}

// rowOf returns the row number an ID names in the table with prefix, or -1
// when the ID is well formed but names no row this emulator created.
func rowOf(prefix, canonical string) int {
	if canonical[:3] != prefix || canonical[3:9] != idPod {
		return -1
	}
	n := 0
	for i := 9; i < 15; i++ {
		d := strings.IndexByte(base62, canonical[i])
		if d < 0 {
			return -1
		}
		n = n*62 + d
	}
	return n
}

func isAlnum(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c - 'A' + 'a'
	}
	return c
}
