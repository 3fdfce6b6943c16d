package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"text/template"
	"time"

	"gopkg.in/yaml.v3"
)

// Play is a success play: when an account makes a transition (enters or
// leaves a status, gains or loses a managed tag), optionally only when When
// holds for it, lifecycled runs the actions, once per transition.
type Play struct {
	Name    string
	Trigger PlayTrigger
	// When is an expression in the rule language over the account's fields
	// and derived values (e.g. `arr > 50000`); "" always holds.
	When    string
	Actions []PlayAction
	Source  string // "file:line" of the play, for errors
}

// PlayTrigger is the transition that fires a play: On is "enters" or
// "leaves" (Value a status value) or "gains" or "loses" (Value a managed tag).
type PlayTrigger struct {
	On    string
	Value string
}

// PlayAction is one action of a play: exactly one of Task and Webhook.
type PlayAction struct {
	Task    *TaskAction
	Webhook *WebhookAction
}

// TaskAction creates a Salesforce Task related to the account (WhatId).
// Subject and Description are text/template templates (see the README,
// "Success plays", for the data they see).
type TaskAction struct {
	Subject     string
	Description string
	// Owner is "account_owner" (default: the account's OwnerId) or a user
	// Id (005...).
	Owner     string
	DueInDays int    // ActivityDate is the transition's date plus this; default 3
	Priority  string // default Normal
	Type      string // "" leaves the Task's Type empty
	Status    string // default Not Started
}

// WebhookAction POSTs a JSON body about the transition to URL. Format is
// "json" (default: lifecycled's documented body) or "slack" (a Slack
// incoming-webhook body, {"text": Text}). With a secret (Secret or the
// file SecretFile names) the body is signed with HMAC-SHA256 in the
// X-Lifecycled-Signature header.
type WebhookAction struct {
	URL        string
	Format     string
	Text       string // template of the Slack text (and the "text" of the JSON body)
	Secret     string
	SecretFile string
	Timeout    time.Duration // per attempt; default 10s
	Retries    int           // attempts after the first within one cycle; default 3
}

// The defaults of play actions.
const (
	DefaultPlayOwner      = "account_owner"
	DefaultPlayDueInDays  = 3
	DefaultPlayPriority   = "Normal"
	DefaultPlayStatus     = "Not Started"
	DefaultWebhookFormat  = "json"
	DefaultWebhookTimeout = 10 * time.Second
	DefaultWebhookRetries = 3
)

var (
	playNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	userIDRE   = regexp.MustCompile(`^005[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$`)
)

// play decodes one entry of the plays list.
func (d *decoder) play(i int, n *yaml.Node) {
	path := fmt.Sprintf("plays[%d]", i)
	p := Play{Source: source(d.file, n)}
	errs := len(d.errs)
	var triggerNode *yaml.Node
	d.mapping(n, path, fieldFuncs{
		"name": d.str(&p.Name),
		"trigger": func(key string, v *yaml.Node) {
			triggerNode = v
			d.mapping(v, key, fieldFuncs{
				"enters": d.trigger(&p.Trigger, "enters"),
				"leaves": d.trigger(&p.Trigger, "leaves"),
				"gains":  d.trigger(&p.Trigger, "gains"),
				"loses":  d.trigger(&p.Trigger, "loses"),
			})
			if len(v.Content) > 2 {
				d.fail(v, key, "a play has one trigger: keep one of enters, leaves, gains and loses (make another play for the other)")
			}
		},
		"when": d.str(&p.When),
		"actions": func(key string, v *yaml.Node) {
			d.list(v, key, func(j int, v *yaml.Node) {
				if a, ok := d.playAction(fmt.Sprintf("%s[%d]", key, j), v); ok {
					p.Actions = append(p.Actions, a)
				}
			})
		},
	})
	if len(d.errs) > errs {
		return
	}
	switch {
	case p.Name == "":
		d.fail(n, path, "a play needs a name (e.g. name: renewal-risk-call)")
	case !playNameRE.MatchString(p.Name):
		d.fail(n, path+".name", "want a name of letters, digits, _, . and -, got %q", p.Name)
	case triggerNode == nil || p.Trigger.On == "":
		d.fail(n, path, "a play needs a trigger, e.g. trigger: {enters: \"Renewal-High Risk\"}")
	case len(p.Actions) == 0:
		d.fail(n, path, "a play needs at least one action under actions (- task: ... or - webhook: ...)")
	default:
		for _, other := range d.c.Plays {
			if other.Name == p.Name {
				d.fail(n, path+".name", "play %q is already defined at %s; names must differ (they key what a play has done)", p.Name, other.Source)
				return
			}
		}
		d.c.Plays = append(d.c.Plays, p)
	}
}

func (d *decoder) trigger(t *PlayTrigger, on string) func(key string, v *yaml.Node) {
	return func(key string, v *yaml.Node) {
		s, ok := d.text(v, key)
		if !ok {
			return
		}
		if strings.TrimSpace(s) == "" {
			what := "status value"
			if on == "gains" || on == "loses" {
				what = "managed tag"
			}
			d.fail(v, key, "want a %s, e.g. %s: \"%s\"", what, on, map[bool]string{true: "Renewal-HighRisk", false: "Renewal-High Risk"}[what == "managed tag"])
			return
		}
		t.On, t.Value = on, s
	}
}

// playAction decodes `- task: {...}` or `- webhook: {...}`.
func (d *decoder) playAction(path string, n *yaml.Node) (PlayAction, bool) {
	var a PlayAction
	errs := len(d.errs)
	d.mapping(n, path, fieldFuncs{
		"task": func(key string, v *yaml.Node) {
			t := &TaskAction{Owner: DefaultPlayOwner, DueInDays: DefaultPlayDueInDays, Priority: DefaultPlayPriority, Status: DefaultPlayStatus}
			d.mapping(v, key, fieldFuncs{
				"subject":     d.tmpl(&t.Subject),
				"description": d.tmpl(&t.Description),
				"owner":       d.str(&t.Owner),
				"due_in_days": d.integer(&t.DueInDays),
				"priority":    d.str(&t.Priority),
				"type":        d.str(&t.Type),
				"status":      d.str(&t.Status),
			})
			switch {
			case t.Subject == "":
				d.fail(v, key, "a task needs a subject (a template, e.g. subject: \"Call {{.Account.Name}}\")")
			case t.Owner != DefaultPlayOwner && !userIDRE.MatchString(t.Owner):
				d.fail(v, key+".owner", "want account_owner or a user Id (005...), got %q", t.Owner)
			case t.DueInDays < 0:
				d.fail(v, key+".due_in_days", "must be 0 or more days, got %d", t.DueInDays)
			}
			a.Task = t
		},
		"webhook": func(key string, v *yaml.Node) {
			w := &WebhookAction{Format: DefaultWebhookFormat, Timeout: DefaultWebhookTimeout, Retries: DefaultWebhookRetries}
			d.mapping(v, key, fieldFuncs{
				"url":         d.str(&w.URL),
				"format":      d.str(&w.Format),
				"text":        d.tmpl(&w.Text),
				"secret":      d.str(&w.Secret),
				"secret_file": d.str(&w.SecretFile),
				"timeout":     d.duration(&w.Timeout),
				"retries":     d.integer(&w.Retries),
			})
			u, err := url.Parse(w.URL)
			switch {
			case w.URL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
				d.fail(v, key+".url", "want an http(s) URL such as https://hooks.example.com/lifecycled, got %q", w.URL)
			case w.Format != "json" && w.Format != "slack":
				d.fail(v, key+".format", "want json or slack, got %q", w.Format)
			case w.Secret != "" && w.SecretFile != "":
				d.fail(v, key, "set secret or secret_file, not both")
			case w.Timeout <= 0:
				d.fail(v, key+".timeout", "must be positive, got %s", w.Timeout)
			case w.Retries < 0:
				d.fail(v, key+".retries", "must be 0 or more, got %d", w.Retries)
			}
			a.Webhook = w
		},
	})
	if len(d.errs) > errs {
		return a, false
	}
	if (a.Task == nil) == (a.Webhook == nil) {
		d.fail(n, path, "an action is exactly one of task: and webhook: (write two list items for both)")
		return a, false
	}
	return a, true
}

// tmpl stores a text/template after checking that it parses.
func (d *decoder) tmpl(dst *string) func(key string, v *yaml.Node) {
	return func(key string, v *yaml.Node) {
		s, ok := d.text(v, key)
		if !ok {
			return
		}
		if _, err := template.New(key).Option("missingkey=zero").Parse(s); err != nil {
			d.fail(v, key, "not a valid template: %v (templates use {{.Account.Name}}, {{.Fields.arr}}, {{.Reason}})",
				strings.TrimPrefix(err.Error(), "template: "))
			return
		}
		*dst = s
	}
}
