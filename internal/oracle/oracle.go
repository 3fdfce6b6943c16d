// Package oracle restates the default rule pack's definitions (issue 4) in
// plain Go, independently of the mapping package and its expressions, so that
// tests can check the daemon's results against a second implementation.
// Only tests import it.
package oracle

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// The default configuration's Salesforce field names.
const (
	StartDate   = "Start_Date__c"
	RenewalDate = "Renewal_Date__c"
	Paying      = "Paying_Customer__c"
	Health      = "Customer_Health__c"
	ActiveUsers = "Active_Users__c"
	Seats       = "Licensed_Seats__c"
	Tags        = "Lifecycle_Tags__c"
	Status      = "Account_Lifecycle_Status__c"
)

// statusOf maps each phase tag to its Account Lifecycle Status.
var statusOf = map[string]string{
	"30OnBoard-Good":      "30 Day OnBoard-Good",
	"30OnBoard-Poor":      "30 Day OnBoard-Poor",
	"60OnBoard-Good":      "60 Day OnBoard-Good",
	"60OnBoard-Poor":      "60 Day OnBoard-Poor",
	"90OnBoard-Good":      "90 Day OnBoard-Good",
	"90OnBoard-Poor":      "90 Day OnBoard-Poor",
	"Core-Good":           "Core-Good",
	"Core-Average":        "Core-Average",
	"Core-Poor":           "Core-Poor",
	"Renewal-LowRisk":     "Renewal-Low Risk",
	"Renewal-AverageRisk": "Renewal-Average Risk",
	"Renewal-HighRisk":    "Renewal-High Risk",
}

// IsManaged reports whether tag is one the default pack manages.
func IsManaged(tag string) bool {
	_, phase := statusOf[tag]
	return phase || tag == "DataIssue-NoStartDate" || tag == "DataIssue-RenewalBeforeStart"
}

// Expect returns the managed tags (as a set) and the status the default pack
// gives rec, a Salesforce record, on the calendar date today.
func Expect(rec map[string]any, today time.Time) (tags map[string]bool, status *string) {
	today = day(today)
	tags = map[string]bool{}
	paying, _ := rec[Paying].(bool)
	start, hasStart := date(rec[StartDate])
	renewal, hasRenewal := date(rec[RenewalDate])
	health, _ := rec[Health].(string)
	active, hasActive := rec[ActiveUsers].(float64)
	seats, hasSeats := rec[Seats].(float64)
	util, hasUtil := 0.0, false
	if hasActive && hasSeats && seats > 0 {
		util, hasUtil = active/seats, true
	}
	if paying && !hasStart {
		tags["DataIssue-NoStartDate"] = true
	}
	if paying && hasStart && hasRenewal && renewal.Before(start) {
		tags["DataIssue-RenewalBeforeStart"] = true
	}
	if !paying || !hasStart {
		return tags, nil
	}
	age := days(start, today)
	if age < 0 {
		return tags, nil
	}
	phase := ""
	switch {
	case age <= 90:
		cp, need := 90, 0.70
		if age <= 30 {
			cp, need = 30, 0.25
		} else if age <= 60 {
			cp, need = 60, 0.50
		}
		good := hasUtil && util >= need && (cp != 90 || health != "Poor")
		phase = map[int]string{30: "30OnBoard-", 60: "60OnBoard-", 90: "90OnBoard-"}[cp]
		if good {
			phase += "Good"
		} else {
			phase += "Poor"
		}
	case days(today, nextRenewal(start, renewal, hasRenewal, today)) <= 120:
		switch {
		case health == "Poor" || hasUtil && util < 0.30:
			phase = "Renewal-HighRisk"
		case health == "Good" && hasUtil && util >= 0.60:
			phase = "Renewal-LowRisk"
		default:
			phase = "Renewal-AverageRisk"
		}
	default:
		switch health {
		case "Good":
			phase = "Core-Good"
		case "Poor":
			phase = "Core-Poor"
		default:
			phase = "Core-Average"
		}
	}
	tags[phase] = true
	s := statusOf[phase]
	return tags, &s
}

// nextRenewal is the renewal date when it is today or later, else the first
// anniversary of start on or after today (a Feb 29 start renews on Feb 28 in
// other years).
func nextRenewal(start, renewal time.Time, hasRenewal bool, today time.Time) time.Time {
	if hasRenewal && !renewal.Before(today) {
		return renewal
	}
	for k := 1; ; k++ {
		y := start.Year() + k
		d := start.Day()
		if start.Month() == time.February && d == 29 && !leap(y) {
			d = 28
		}
		a := time.Date(y, start.Month(), d, 0, 0, 0, 0, time.UTC)
		if !a.Before(today) {
			return a
		}
	}
}

func leap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// Foreign returns the tags of a tags field value that the pack does not
// manage, in order, without empty entries or duplicates.
func Foreign(value any, sep string) []string {
	s, _ := value.(string)
	var out []string
	seen := map[string]bool{}
	for _, t := range strings.Split(s, sep) {
		t = strings.TrimSpace(t)
		if t == "" || seen[t] || IsManaged(t) {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}

func date(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

func day(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// days counts calendar days from a to b.
func days(a, b time.Time) int { return int(b.Sub(a).Hours() / 24) }

// Gap describes how rec's tags and status differ from what the default pack
// gives it on today, or returns "" when they match. Managed tags are compared
// as a set. Foreign tags are checked by comparing Foreign before and after.
func Gap(rec map[string]any, today time.Time) string {
	wantTags, wantStatus := Expect(rec, today)
	gotStatus, _ := rec[Status].(string)
	want := ""
	if wantStatus != nil {
		want = *wantStatus
	}
	if gotStatus != want {
		return fmt.Sprintf("status %q, want %q", gotStatus, want)
	}
	value, _ := rec[Tags].(string)
	var managed, wantList []string
	seen := map[string]bool{}
	for _, t := range strings.Split(value, ";") {
		if t = strings.TrimSpace(t); IsManaged(t) && !seen[t] {
			seen[t] = true
			managed = append(managed, t)
		}
	}
	for t := range wantTags {
		wantList = append(wantList, t)
	}
	sort.Strings(managed)
	sort.Strings(wantList)
	if got, want := strings.Join(managed, ";"), strings.Join(wantList, ";"); got != want {
		return fmt.Sprintf("managed tags %q, want %q", got, want)
	}
	return ""
}
