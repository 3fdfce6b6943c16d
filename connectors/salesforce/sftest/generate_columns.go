package sftest

import (
	"math/rand/v2"
	"strings"
)

// extras draws the generated columns added after the first generator:
// record type, duplicate names and Last_Login__c. They come from a stream
// of their own, derived from the seed, with the same number of draws for
// every account whatever the shares, so that the earlier columns keep
// their values for a seed and one share does not move another column.
type extras struct {
	r                    *rand.Rand
	today                int64 // day number
	partner, dup         float64
	customerRT, partnerR *RecordTypeSchema // nil when the object has no record types
	status               *FieldSchema      // Account_Lifecycle_Status__c, if the object has it
	names                []string          // every account's name so far, when dup > 0
}

func newExtras(seed int64, today int64, o *ObjectSchema, partnerShare, dupShare float64) *extras {
	x := &extras{r: rand.New(rand.NewPCG(uint64(seed), 0xe4742a5)), today: today, partner: partnerShare, dup: dupShare}
	if len(o.RecordTypes) > 0 {
		x.customerRT = o.recordTypeNamed("Customer")
		if x.customerRT == nil {
			x.customerRT = o.defaultRecordType()
		}
		x.partnerR = o.recordTypeNamed("Partner")
		if x.partnerR == nil {
			x.partnerR = x.customerRT
		}
	}
	if f, _, ok := o.Field("Account_Lifecycle_Status__c"); ok {
		x.status = f
	}
	return x
}

// apply sets the i-th account's extra columns. About PartnerShare of the
// accounts have the Partner record type (a status it does not allow is
// cleared, so every record is valid for its record type); about
// DuplicateShare take the name of an earlier account, a third of them in
// upper case; about 12% have never logged in (Last_Login__c null), the
// others last logged in during the 120 days before today, at any second.
func (x *extras) apply(a *account, i int) {
	var u [6]float64
	for k := range u {
		u[k] = x.r.Float64()
	}
	if x.customerRT != nil {
		rt := x.customerRT
		if u[0] < x.partner {
			rt = x.partnerR
		}
		a.recordType = rt.ID
		if x.status != nil && a.status != "" && !rt.allows(x.status, a.status) {
			a.status = ""
		}
	}
	if i > 0 && u[1] < x.dup {
		a.name = x.names[int(u[2]*float64(i))%i]
		if u[3] < 1.0/3 {
			a.name = strings.ToUpper(a.name)
		}
	}
	if x.dup > 0 {
		x.names = append(x.names, a.name)
	}
	a.lastLogin = nullMillis
	if u[4] >= 0.12 {
		a.lastLogin = (x.today-120)*86400_000 + int64(u[5]*120*86400)*1000
	}
}
