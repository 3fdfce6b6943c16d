package config

import (
	"strings"
	"testing"
	"time"
)

func TestPlays(t *testing.T) {
	c := mustParse(t, auth+`plays:
  - name: renewal-risk
    trigger:
      enters: "Renewal-High Risk"
    when: 'arr > 50000'
    actions:
      - task:
          subject: "Renewal at risk: {{.Account.Name}}"
          priority: High
      - webhook:
          url: https://hooks.example.com/x
          format: slack
          secret: s3cret
          timeout: 2s
  - name: onboarding-recovered
    trigger: {leaves: "90 Day OnBoard-Poor"}
    actions:
      - webhook: {url: "http://127.0.0.1:9/hook"}
`)
	if len(c.Plays) != 2 {
		t.Fatalf("plays = %+v", c.Plays)
	}
	p := c.Plays[0]
	if p.Name != "renewal-risk" || p.Trigger != (PlayTrigger{On: "enters", Value: "Renewal-High Risk"}) || p.When != "arr > 50000" ||
		!strings.HasPrefix(p.Source, "lifecycled.yaml:") {
		t.Errorf("play = %+v", p)
	}
	if tk := p.Actions[0].Task; tk == nil || tk.Priority != "High" || tk.Owner != DefaultPlayOwner || tk.DueInDays != DefaultPlayDueInDays || tk.Status != DefaultPlayStatus {
		t.Errorf("task = %+v", tk)
	}
	if w := p.Actions[1].Webhook; w == nil || w.Format != "slack" || w.Timeout != 2*time.Second || w.Retries != DefaultWebhookRetries {
		t.Errorf("webhook = %+v", w)
	}
	if w := c.Plays[1].Actions[0].Webhook; w.Format != "json" || c.Plays[1].Trigger.On != "leaves" {
		t.Errorf("second play = %+v", c.Plays[1])
	}
	if c.RulesVersion() != mustParse(t, auth).RulesVersion() {
		t.Error("plays change RulesVersion")
	}
}

// TestPlayErrors: each mistake names the file, the line and the fix.
func TestPlayErrors(t *testing.T) {
	play := func(body string) string { return auth + "plays:\n  - name: p\n" + body }
	tests := []struct{ name, yaml, want string }{
		{"NoTrigger", play("    actions:\n      - webhook: {url: 'https://x.example'}\n"), "lifecycled.yaml:7: plays[0]: a play needs a trigger"},
		{"TwoTriggers", play("    trigger: {enters: A, leaves: B}\n    actions:\n      - webhook: {url: 'https://x.example'}\n"), "lifecycled.yaml:8: plays[0].trigger: a play has one trigger"},
		{"UnknownTrigger", play("    trigger: {becomes: A}\n    actions:\n      - webhook: {url: 'https://x.example'}\n"), `lifecycled.yaml:8: plays[0].trigger.becomes: unknown key "becomes"`},
		{"NoActions", play("    trigger: {enters: A}\n"), "lifecycled.yaml:7: plays[0]: a play needs at least one action"},
		{"BadTemplate", play("    trigger: {enters: A}\n    actions:\n      - task: {subject: '{{.Account.Name'}\n"), "lifecycled.yaml:10: plays[0].actions[0].task.subject: not a valid template"},
		{"NoSubject", play("    trigger: {enters: A}\n    actions:\n      - task: {priority: High}\n"), "lifecycled.yaml:10: plays[0].actions[0].task: a task needs a subject"},
		{"BadOwner", play("    trigger: {enters: A}\n    actions:\n      - task: {subject: s, owner: bob}\n"), "lifecycled.yaml:10: plays[0].actions[0].task.owner: want account_owner or a user Id"},
		{"BadURL", play("    trigger: {enters: A}\n    actions:\n      - webhook: {url: 'ftp://x'}\n"), "lifecycled.yaml:10: plays[0].actions[0].webhook.url: want an http(s) URL"},
		{"BothSecrets", play("    trigger: {enters: A}\n    actions:\n      - webhook: {url: 'https://x.example', secret: a, secret_file: /b}\n"), "set secret or secret_file, not both"},
		{"BothKinds", play("    trigger: {enters: A}\n    actions:\n      - {webhook: {url: 'https://x.example'}, task: {subject: s}}\n"), "lifecycled.yaml:10: plays[0].actions[0]: an action is exactly one of task: and webhook:"},
		{"DuplicateName", auth + "plays:\n  - {name: p, trigger: {enters: A}, actions: [{webhook: {url: 'https://x.example'}}]}\n  - {name: p, trigger: {enters: B}, actions: [{webhook: {url: 'https://x.example'}}]}\n", `lifecycled.yaml:8: plays[1].name: play "p" is already defined at lifecycled.yaml:7`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), "lifecycled.yaml", env(nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}
