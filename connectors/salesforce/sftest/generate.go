package sftest

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// account is one generated Account in typed form: dates are day numbers
// (nullDay when empty), numbers NaN when empty, text "" when empty.
type account struct {
	name, typ, owner         string
	start, renewal, activity int64
	paying                   bool
	health                   string
	active, seats, nps       float64
	arr                      float64 // ARR__c, NaN when empty
	tags, status             string
	age                      int64  // days before today the record was created
	recordType               string // RecordTypeId, "" when the object has no record types
	lastLogin                int64  // Last_Login__c, Unix milliseconds or nullMillis
}

// generator makes accounts from one seeded stream; the i-th account
// depends only on the seed, today and the accounts before it.
type generator struct {
	r     *rand.Rand
	today int64 // day number
	leap  []int64
	n     int
}

func newGenerator(seed int64, today time.Time) *generator {
	g := &generator{r: rand.New(rand.NewPCG(uint64(seed), 0x11fecc1e)), today: dayOf(today.UTC())}
	// Feb 29 of the leap years of the last twelve years that are not in
	// the future.
	y := today.UTC().Year()
	for ly := y - 12; ly <= y; ly++ {
		if ly%4 == 0 && (ly%100 != 0 || ly%400 == 0) {
			d := dayOf(time.Date(ly, time.February, 29, 0, 0, 0, 0, time.UTC))
			if d <= g.today {
				g.leap = append(g.leap, d)
			}
		}
	}
	return g
}

var (
	nameAdjectives = []string{"Northwind", "Blue Harbor", "Granite", "Silver Creek", "Evergreen", "Summit", "Redwood", "Brightline",
		"Ironclad", "Cobalt", "Lakeside", "Pioneer", "Crescent", "Atlas", "Harborview", "Golden Gate", "Cedar", "Meridian", "Orchid", "Polaris"}
	nameNouns = []string{"Logistics", "Analytics", "Health", "Foods", "Robotics", "Energy", "Media", "Capital", "Outfitters", "Software",
		"Pharma", "Networks", "Studios", "Freight", "Dental", "Insurance", "Labs", "Retail", "Systems", "Travel"}
	nameSuffixes = []string{"Inc.", "LLC", "Ltd", "GmbH", "Group", "Co.", "Partners", "S.A."}
	foreignTags  = []string{"VIP", "VIP;Churn-Watch", "Churn-Watch", "Partner-Sourced", "Beta-Program;VIP", "Expansion-Target",
		"NPS-Detractor;Churn-Watch", "Exec-Sponsor"}
	managedTags = []string{"30OnBoard-Good", "30OnBoard-Poor", "60OnBoard-Good", "60OnBoard-Poor", "90OnBoard-Good", "90OnBoard-Poor",
		"Core-Good", "Core-Average", "Core-Poor", "Renewal-LowRisk", "Renewal-AverageRisk", "Renewal-HighRisk",
		"DataIssue-NoStartDate", "DataIssue-RenewalBeforeStart"}
	owners = func() []string {
		out := make([]string, 12)
		for i := range out {
			out[i] = makeID("005", 100+i)
		}
		return out
	}()
)

// next returns the next account. The mix, relative to today: about 16%
// onboarding (started 0..90 days ago), 36% core (renewal more than 120 days
// away or unset), 18% in the renewal window (renewal in 0..120 days), 5%
// with a stale renewal date in the past, 12% non-paying, and 13% bad data:
// no start date, a renewal before the start, a start in the future, a Feb
// 29 start, no dates at all, or no renewal date. A third of the accounts
// already hold a status value and some tags, foreign ("VIP;Churn-Watch"),
// managed (possibly stale) or both.
func (g *generator) next() account {
	r, td := g.r, g.today
	i := g.n
	g.n++
	a := account{start: nullDay, renewal: nullDay, activity: nullDay, paying: true, active: math.NaN(), seats: math.NaN(), nps: math.NaN()}

	a.name = accountName(i)
	a.owner = owners[r.IntN(len(owners))]

	days := func(n int) int64 { return int64(r.IntN(n)) }
	switch u := r.Float64(); {
	case u < 0.16: // onboarding
		a.start = td - days(91)
		if r.Float64() < 0.8 {
			a.renewal = a.start + 365
		}
	case u < 0.52: // core
		a.start = td - 91 - days(1400)
		if r.Float64() < 0.85 {
			a.renewal = td + 121 + days(244)
		}
	case u < 0.70: // renewal window
		a.start = td - 91 - days(1400)
		a.renewal = td + days(121)
	case u < 0.75: // stale renewal date in the past
		a.start = td - 400 - days(1600)
		a.renewal = td - 1 - days(365)
	case u < 0.87: // not paying
		a.paying = false
		if r.Float64() < 0.5 {
			a.start = td - days(700)
		}
		if r.Float64() < 0.5 {
			a.renewal = td + days(400)
		}
	default: // bad data
		switch r.IntN(6) {
		case 0: // no start date
			if r.Float64() < 0.5 {
				a.renewal = td + days(300)
			}
		case 1: // renewal before start
			a.start = td - days(400)
			a.renewal = a.start - 1 - days(300)
		case 2: // start in the future
			a.start = td + 1 + days(90)
			a.renewal = a.start + 365
		case 3: // Feb 29 start
			if len(g.leap) > 0 {
				a.start = g.leap[r.IntN(len(g.leap))]
			} else {
				a.start = td - days(1000)
			}
			if r.Float64() < 0.5 {
				a.renewal = a.start + 365*int64(1+r.IntN(4))
			}
		case 4: // no dates at all
		default: // no renewal date
			a.start = td - 91 - days(2000)
		}
	}
	if a.paying {
		a.typ = "Customer - Direct"
		if r.Float64() < 0.3 {
			a.typ = "Customer - Channel"
		}
	} else {
		a.typ = "Prospect"
		if r.Float64() < 0.2 {
			a.typ = "Other"
		}
	}

	switch h := r.Float64(); {
	case h < 0.45:
		a.health = "Good"
	case h < 0.70:
		a.health = "Average"
	case h < 0.90:
		a.health = "Poor"
	}
	if r.Float64() >= 0.03 {
		a.seats = float64(5 + r.IntN(500))
		if r.Float64() >= 0.05 {
			a.active = math.Round(a.seats * r.Float64() * 1.1)
		}
	}
	if r.Float64() >= 0.10 {
		a.activity = td - days(90)
	}
	if r.Float64() >= 0.35 {
		a.nps = float64(r.IntN(201) - 100)
	}

	switch t := r.Float64(); {
	case t < 0.62:
	case t < 0.80:
		a.tags = foreignTags[r.IntN(len(foreignTags))]
	default:
		m := managedTags[r.IntN(len(managedTags))]
		switch r.IntN(4) {
		case 0:
			a.tags = m
		case 1:
			a.tags = foreignTags[r.IntN(len(foreignTags))] + ";" + m
		case 2:
			a.tags = m + ";" + foreignTags[r.IntN(len(foreignTags))]
		default:
			a.tags = "VIP; " + m + ";VIP;" + managedTags[r.IntN(len(managedTags))]
		}
	}
	if r.Float64() < 0.3 {
		a.status = statusValues[r.IntN(len(statusValues))]
	}
	a.age = days(30)
	if a.start != nullDay && a.start <= td {
		a.age += td - a.start
	} else {
		a.age += days(1000)
	}
	return a
}

// accountName is the i-th account's own name; no two are equal.
func accountName(i int) string {
	combos := len(nameAdjectives) * len(nameNouns) * len(nameSuffixes)
	c := i % combos
	name := nameAdjectives[c%len(nameAdjectives)] + " " + nameNouns[(c/len(nameAdjectives))%len(nameNouns)] + " " +
		nameSuffixes[c/(len(nameAdjectives)*len(nameNouns))]
	if i >= combos {
		name += " " + strconv.Itoa(i/combos+1)
	}
	return name
}

// record returns a in Record form.
func (a account) record() Record {
	text := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	day := func(d int64) any {
		if d == nullDay {
			return nil
		}
		return formatDay(d)
	}
	num := func(f float64) any {
		if math.IsNaN(f) {
			return nil
		}
		return f
	}
	stamp := func(ms int64) any {
		if ms == nullMillis {
			return nil
		}
		return formatMillis(ms)
	}
	return Record{
		"Name": a.name, "Type": text(a.typ), "OwnerId": a.owner,
		"Start_Date__c": day(a.start), "Renewal_Date__c": day(a.renewal), "Paying_Customer__c": a.paying,
		"Customer_Health__c": text(a.health), "Active_Users__c": num(a.active), "Licensed_Seats__c": num(a.seats),
		"Last_Activity_Date__c": day(a.activity), "NPS__c": num(a.nps),
		"Lifecycle_Tags__c": text(a.tags), "Account_Lifecycle_Status__c": text(a.status),
		"RecordTypeId": text(a.recordType), "Last_Login__c": stamp(a.lastLogin), "ARR__c": num(a.arr),
	}
}

// GenerateAccounts returns n realistic Accounts with the fields of
// DefaultSchema (no Id or system fields), spread over every lifecycle stage
// relative to today (see the generator's mix), every one of the Customer
// record type, with unique names. The result depends only on n, seed and
// today's UTC date.
func GenerateAccounts(n int, seed int64, today time.Time) []Record {
	acct, _ := DefaultSchema().Object("Account")
	g := newGenerator(seed, today)
	x := newExtras(seed, g.today, acct, 0, 0)
	ar := newARRStream(seed)
	out := make([]Record, max(n, 0))
	for i := range out {
		a := g.next()
		x.apply(&a, i)
		ar.apply(&a)
		out[i] = a.record()
	}
	return out
}

// generateInto appends n generated accounts to t (the Account table)
// directly in column form, with CreatedDate before today and
// SystemModstamp between CreatedDate and now. Fields the table's schema
// lacks, or holds with another type, are left empty.
func (s *Server) generateInto(t *table, n int) {
	now := s.now().UTC().Truncate(time.Second)
	g := newGenerator(s.opts.Seed, now)
	x := newExtras(s.opts.Seed, g.today, t.obj, s.opts.PartnerShare, s.opts.DuplicateShare)
	col := func(name string, k kind) int {
		f, i, ok := t.obj.Field(name)
		if !ok || f.kind != k || f.Name == "Id" {
			return -1
		}
		return i
	}
	var (
		cName, cType, cOwner = col("Name", kString), col("Type", kString), col("OwnerId", kID)
		cStart, cRenewal     = col("Start_Date__c", kDate), col("Renewal_Date__c", kDate)
		cPaying, cHealth     = col("Paying_Customer__c", kBool), col("Customer_Health__c", kString)
		cActive, cSeats      = col("Active_Users__c", kNumber), col("Licensed_Seats__c", kNumber)
		cActivity, cNPS      = col("Last_Activity_Date__c", kDate), col("NPS__c", kNumber)
		cTags, cStatus       = col("Lifecycle_Tags__c", kString), col("Account_Lifecycle_Status__c", kString)
		cRecordType, cLogin  = col("RecordTypeId", kID), col("Last_Login__c", kDateTime)
		cARR                 = col("ARR__c", kNumber)
	)
	ar := newARRStream(s.opts.Seed)
	set := func(row, fi int, c cell) {
		if fi >= 0 {
			t.set(row, fi, c)
		}
	}
	// Stamps come from a stream of their own so that the accounts equal
	// GenerateAccounts(n, seed, today).
	sr := rand.New(rand.NewPCG(uint64(s.opts.Seed), 0x57a3))
	nowMs := now.UnixMilli()
	t.grow(n)
	for i := range n {
		a := g.next()
		x.apply(&a, i)
		ar.apply(&a)
		created := nowMs - (a.age*86400+int64(sr.IntN(86400)))*1000
		row := t.appendRow(created)
		modified := created + sr.Int64N(nowMs-created+1)/1000*1000
		t.set(row, t.fModified, cell{i: modified})
		t.set(row, t.fModstamp, cell{i: modified})
		set(row, cName, cell{s: a.name})
		set(row, cType, cell{s: a.typ})
		set(row, cOwner, cell{s: a.owner})
		set(row, cStart, cell{i: a.start})
		set(row, cRenewal, cell{i: a.renewal})
		set(row, cPaying, cell{b: a.paying})
		set(row, cHealth, cell{s: a.health})
		set(row, cActive, cell{f: a.active})
		set(row, cSeats, cell{f: a.seats})
		set(row, cActivity, cell{i: a.activity})
		set(row, cNPS, cell{f: a.nps})
		set(row, cTags, cell{s: a.tags})
		set(row, cStatus, cell{s: a.status})
		set(row, cRecordType, cell{s: a.recordType})
		set(row, cLogin, cell{i: a.lastLogin})
		set(row, cARR, cell{f: a.arr})
	}
}
