package plays

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/lifecycled/lifecycled/config"
	"github.com/lifecycled/lifecycled/internal/store"
	"github.com/lifecycled/lifecycled/mapping"
)

// play is a compiled config.Play.
type play struct {
	config.Play
	when     *mapping.Pack // nil: always; else a pack whose one smart list is the condition
	base     *mapping.Pack // the rules, for derived values and the reason
	subjects []*template.Template
	descs    []*template.Template
	texts    []*template.Template
}

// whenTag is the tag of the one smart list that carries a play's condition.
const whenTag = "lifecycled-play-when"

// compile checks a play's condition in the rule language (a smart list in
// a pack of the same fields and derived values) and parses its templates.
func compile(cp config.Play, def mapping.Definition, base *mapping.Pack) (*play, error) {
	p := &play{Play: cp, base: base}
	if cp.When != "" {
		d := def
		d.SmartLists = []mapping.SmartList{{Tag: whenTag, When: cp.When, Source: cp.Source}}
		d.StatusRules, d.Otherwise, d.OtherwiseKeep = nil, nil, true
		pack, err := mapping.Compile(d)
		if err != nil {
			return nil, fmt.Errorf("%s: play %s: when: %w (fix the expression; it sees the fields and derived values)", cp.Source, cp.Name, err)
		}
		p.when = pack
	}
	for i, a := range cp.Actions {
		parse := func(what, src string) (*template.Template, error) {
			t, err := template.New(what).Option("missingkey=zero").Parse(src)
			if err != nil {
				return nil, fmt.Errorf("%s: play %s: actions[%d] %s: %w", cp.Source, cp.Name, i, what, err)
			}
			return t, nil
		}
		var s, d, x *template.Template
		var err error
		if a.Task != nil {
			if s, err = parse("subject", a.Task.Subject); err != nil {
				return nil, err
			}
			if d, err = parse("description", a.Task.Description); err != nil {
				return nil, err
			}
		}
		if a.Webhook != nil {
			if x, err = parse("text", a.Webhook.Text); err != nil {
				return nil, err
			}
		}
		p.subjects, p.descs, p.texts = append(p.subjects, s), append(p.descs, d), append(p.texts, x)
	}
	return p, nil
}

// fires reports whether tr is the play's trigger.
func (p *play) fires(tr store.PlayTransition) bool {
	v := p.Trigger.Value
	switch p.Trigger.On {
	case "enters":
		return tr.Kind == "change" && tr.To != nil && *tr.To == v && (tr.From == nil || *tr.From != v)
	case "leaves":
		return tr.Kind == "change" && tr.From != nil && *tr.From == v && (tr.To == nil || *tr.To != v)
	case "gains":
		return tr.Kind == "tag_added" && tr.To != nil && *tr.To == v
	case "loses":
		return tr.Kind == "tag_removed" && tr.From != nil && *tr.From == v
	}
	return false
}

// Data is what a play's templates see.
type Data struct {
	Play       string
	Transition string         // e.g. "enters Renewal-High Risk"
	From, To   string         // the status (or tag) before and after; "" none
	AccountID  string         // the account's Id
	Account    map[string]any // the account's fields as last pulled, by API name (.Account.Name)
	Fields     map[string]any // mapped fields by rule name (.Fields.arr)
	Derived    map[string]any // derived values by name
	Reason     string         // why the account has its status, as explain tells it
	AsOf       string         // the date of the transition, YYYY-MM-DD
	At         time.Time      // when the transition was recorded
}

// data evaluates the account as of the transition's date: its inputs,
// derived values and the reason for its status.
func (p *play) data(tr store.PlayTransition, a store.Account) (Data, mapping.Account, mapping.Date, error) {
	d := Data{Play: p.Name, Transition: p.Trigger.On + " " + p.Trigger.Value, From: deref(tr.From), To: deref(tr.To),
		AccountID: tr.AccountID, AsOf: tr.AsOf, At: tr.At, Fields: map[string]any{}, Derived: map[string]any{}}
	var rec mapping.Record
	if err := json.Unmarshal(a.Record, &rec); err != nil {
		return d, mapping.Account{}, mapping.Date{}, fmt.Errorf("stored record of %s: %w", a.ID, err)
	}
	d.Account = rec
	asOf, err := mapping.ParseDate(tr.AsOf)
	if err != nil {
		return d, mapping.Account{}, mapping.Date{}, fmt.Errorf("history entry %d: as-of %q: %w", tr.ID, tr.AsOf, err)
	}
	acct, err := p.base.Decode(rec)
	if err != nil {
		return d, acct, asOf, fmt.Errorf("account %s: %w", a.ID, err)
	}
	ex := p.base.Explain(acct, asOf)
	for _, v := range ex.Inputs {
		d.Fields[v.Name] = plain(v.Value)
	}
	for _, v := range ex.Derived {
		d.Derived[v.Name] = plain(v.Value)
	}
	d.Reason = reason(ex)
	return d, acct, asOf, nil
}

// plain turns a mapping.Date into its text, so templates print it.
func plain(v any) any {
	if dt, ok := v.(mapping.Date); ok {
		return dt.String()
	}
	return v
}

// reason is the one-line why of explain: the status rule that fired, or
// otherwise.
func reason(ex mapping.Explanation) string {
	status := "no status"
	if ex.Result.Status != nil {
		status = *ex.Result.Status
	}
	if ex.StatusRule > 0 && ex.StatusRule <= len(ex.StatusRules) {
		r := ex.StatusRules[ex.StatusRule-1]
		src := ""
		if r.Source != "" {
			src = " (" + r.Source + ")"
		}
		return fmt.Sprintf("%s: status rule %d matched: %s%s", status, ex.StatusRule, r.When, src)
	}
	if ex.StatusKept {
		return status + ": no status rule matched; otherwise keep"
	}
	return status + ": no status rule matched; otherwise"
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// holds reports whether the play's condition holds for acct as of asOf.
func (p *play) holds(acct mapping.Account, asOf mapping.Date) bool {
	if p.when == nil {
		return true
	}
	res := p.when.Evaluate(acct, asOf)
	for _, t := range res.ManagedTags {
		if t == whenTag {
			return true
		}
	}
	return false
}

// Key is the deterministic key of action i of play for history entry id:
// 32 hex characters of a SHA-256. The same inputs always give the same key.
func Key(play string, historyID int64, action int) string {
	h := sha256.Sum256([]byte(play + "\x00" + strconv.FormatInt(historyID, 10) + "\x00" + strconv.Itoa(action)))
	return hex.EncodeToString(h[:16])
}

// render builds the outbox rows of the play's actions for tr.
func (p *play) render(tr store.PlayTransition, d Data, keyField string) ([]store.PlayAction, error) {
	var out []store.PlayAction
	for i, a := range p.Actions {
		key := Key(p.Name, tr.ID, i)
		row := store.PlayAction{Key: key, Play: p.Name, HistoryID: tr.ID, AccountID: tr.AccountID, Transition: d.Transition}
		var err error
		switch {
		case a.Task != nil:
			row.Action = "task"
			row.Payload, err = p.task(i, a.Task, tr, d, key, keyField)
		case a.Webhook != nil:
			row.Action = "webhook"
			row.Payload, err = p.webhook(i, a.Webhook, d, key)
		}
		if err != nil {
			return nil, fmt.Errorf("play %s, action %d, account %s: %w", p.Name, i, tr.AccountID, err)
		}
		out = append(out, row)
	}
	return out, nil
}

func execute(t *template.Template, d Data, limit int) (string, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return "", err
	}
	s := strings.ToValidUTF8(b.String(), "")
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit])
	}
	return s, nil
}

// task returns the Task's fields: Subject (255 characters at most) and
// Description (32,000) from the templates, OwnerId, WhatId (the account),
// ActivityDate (the transition's date plus DueInDays), Priority, Status,
// Type and the key field.
func (p *play) task(i int, t *config.TaskAction, tr store.PlayTransition, d Data, key, keyField string) ([]byte, error) {
	subject, err := execute(p.subjects[i], d, 255)
	if err != nil {
		return nil, fmt.Errorf("subject: %w", err)
	}
	desc, err := execute(p.descs[i], d, 32000)
	if err != nil {
		return nil, fmt.Errorf("description: %w", err)
	}
	asOf, _ := mapping.ParseDate(tr.AsOf)
	rec := map[string]any{
		"Subject": subject, "WhatId": tr.AccountID, "ActivityDate": asOf.AddDays(t.DueInDays).String(),
		"Priority": t.Priority, "Status": t.Status, keyField: key,
	}
	if desc != "" {
		rec["Description"] = desc
	}
	if t.Type != "" {
		rec["Type"] = t.Type
	}
	owner := t.Owner
	if owner == config.DefaultPlayOwner {
		owner, _ = d.Account["OwnerId"].(string)
	}
	if owner != "" {
		rec["OwnerId"] = owner
	}
	return json.Marshal(rec)
}

// WebhookBody is the JSON body of a webhook in the json format.
type WebhookBody struct {
	Key        string         `json:"key"` // also the Idempotency-Key header
	Play       string         `json:"play"`
	Transition string         `json:"transition"` // "enters Renewal-High Risk"
	From       string         `json:"from"`
	To         string         `json:"to"`
	AccountID  string         `json:"account_id"`
	Account    map[string]any `json:"account"`
	Fields     map[string]any `json:"fields"`
	Derived    map[string]any `json:"derived"`
	Reason     string         `json:"reason"`
	Text       string         `json:"text"`
	AsOf       string         `json:"as_of"`
	At         time.Time      `json:"at"`
}

// webhookPayload is what the outbox keeps of a webhook: which action of
// the play (for its URL and secret, read at delivery) and the body.
type webhookPayload struct {
	Action int             `json:"action"`
	Body   json.RawMessage `json:"body"`
}

func (p *play) webhook(i int, w *config.WebhookAction, d Data, key string) ([]byte, error) {
	text, err := execute(p.texts[i], d, 4000)
	if err != nil {
		return nil, fmt.Errorf("text: %w", err)
	}
	if text == "" {
		text = fmt.Sprintf("%s: account %s %s", d.Play, d.AccountID, d.Transition)
		if name, ok := d.Account["Name"].(string); ok && name != "" {
			text = fmt.Sprintf("%s: %s (%s) %s", d.Play, name, d.AccountID, d.Transition)
		}
	}
	var body []byte
	if w.Format == "slack" {
		body, err = json.Marshal(map[string]string{"text": text})
	} else {
		body, err = json.Marshal(WebhookBody{Key: key, Play: d.Play, Transition: d.Transition, From: d.From, To: d.To,
			AccountID: d.AccountID, Account: d.Account, Fields: d.Fields, Derived: d.Derived, Reason: d.Reason,
			Text: text, AsOf: d.AsOf, At: d.At})
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(webhookPayload{Action: i, Body: body})
}
