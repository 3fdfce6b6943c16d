package salesforce

// ValidID reports whether id has the form of a Salesforce ID: 15 or 18
// ASCII letters and digits. Such an id can go into a URL path or a SOQL
// string literal as is.
func ValidID(id string) bool {
	if len(id) != 15 && len(id) != 18 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// caseSuffix returns the three characters that make a 15-character Id
// case-insensitive: for each block of five characters, a bit per
// upper-case letter, mapped through A-Z then 0-5 ("What is a Salesforce
// ID?", Salesforce Help article 000385585).
func caseSuffix(id string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
	out := make([]byte, 3)
	for block := 0; block < 3; block++ {
		mask := 0
		for i := 0; i < 5; i++ {
			if c := id[block*5+i]; c >= 'A' && c <= 'Z' {
				mask |= 1 << i
			}
		}
		out[block] = alphabet[mask]
	}
	return string(out)
}
