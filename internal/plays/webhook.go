package plays

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/lifecycled/lifecycled/config"
	"github.com/lifecycled/lifecycled/internal/store"
)

// Webhook headers. IdempotencyKeyHeader carries the action's key, the
// same for every delivery of one (play, transition, action): receivers
// drop a key they have seen. SignatureHeader is "sha256=" and the hex
// HMAC-SHA256 of the body under the webhook's secret.
const (
	IdempotencyKeyHeader = "Idempotency-Key"
	SignatureHeader      = "X-Lifecycled-Signature"
	PlayHeader           = "X-Lifecycled-Play"
)

// Sign returns the SignatureHeader value of body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// webhookPage is how many due webhooks a run reads at a time.
const webhookPage = 100

// deliverWebhooks POSTs the due webhooks, each with up to Retries retries
// with backoff; a 2xx is sent, a 4xx other than 408 and 429 is a
// rejection, anything else is tried again next run.
func (r *Runner) deliverWebhooks(ctx context.Context, sum *Summary) error {
	seen := map[string]bool{}
	for ctx.Err() == nil {
		due, err := r.db.PendingPlays(ctx, "webhook", r.opts.Now(), webhookPage)
		if err != nil {
			return err
		}
		var outs []store.PlayOutcome
		for _, a := range due {
			if seen[a.Key] || ctx.Err() != nil {
				continue
			}
			seen[a.Key] = true
			o := r.deliver(ctx, a)
			r.count(a.Play, "webhook", map[string]string{store.PlaySent: "sent", store.PlayRejected: "rejected", store.PlayPending: "retry"}[o.State])
			switch o.State {
			case store.PlaySent:
				sum.Sent++
			case store.PlayRejected:
				sum.Rejected++
				r.log.Warn("webhook rejected", "play", a.Play, "account_id", a.AccountID, "code", o.Code)
			default:
				sum.Retry++
			}
			outs = append(outs, o)
		}
		if len(outs) > 0 {
			if err := r.db.RecordPlays(context.WithoutCancel(ctx), outs); err != nil {
				return err
			}
		}
		if len(outs) == 0 || len(due) < webhookPage {
			return nil
		}
	}
	return nil
}

// errRejected marks a response that retrying cannot fix.
var errRejected = errors.New("rejected")

func (r *Runner) deliver(ctx context.Context, a store.PlayAction) store.PlayOutcome {
	out := store.PlayOutcome{Key: a.Key, State: store.PlayPending, NextAttempt: r.opts.Now()}
	var wp webhookPayload
	p := r.byName[a.Play]
	if err := json.Unmarshal(a.Payload, &wp); err != nil || p == nil || wp.Action >= len(p.Actions) || p.Actions[wp.Action].Webhook == nil {
		out.State, out.Code, out.Message = store.PlayRejected, "PLAY_CHANGED", "the play or its webhook is no longer in the config"
		return out
	}
	w := p.Actions[wp.Action].Webhook
	b := backoff.WithContext(backoff.WithMaxRetries(&backoff.ExponentialBackOff{
		InitialInterval: 200 * time.Millisecond, RandomizationFactor: 0.3, Multiplier: 2,
		MaxInterval: 5 * time.Second, MaxElapsedTime: 0, Stop: backoff.Stop, Clock: backoff.SystemClock,
	}, uint64(w.Retries)), ctx)
	status, err := backoff.RetryWithData(func() (int, error) {
		st, err := r.post(ctx, w, a, wp.Body)
		if errors.Is(err, errRejected) {
			return st, backoff.Permanent(err)
		}
		return st, err
	}, b)
	switch {
	case err == nil:
		out.State, out.Result, out.Code, out.Message = store.PlaySent, strconv.Itoa(status), "", ""
	case errors.Is(err, errRejected):
		out.State, out.Code, out.Message = store.PlayRejected, "HTTP_"+strconv.Itoa(status), err.Error()
	default:
		out.Code, out.Message = "RETRY", err.Error()
	}
	return out
}

// post makes one delivery attempt within the webhook's timeout.
func (r *Runner) post(ctx context.Context, w *config.WebhookAction, a store.PlayAction, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errRejected, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "lifecycled")
	req.Header.Set(IdempotencyKeyHeader, a.Key)
	req.Header.Set(PlayHeader, a.Play)
	if w.Secret != "" {
		req.Header.Set(SignatureHeader, Sign([]byte(w.Secret), body))
	}
	resp, err := r.opts.HTTPClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("post webhook of play %s: %w", a.Play, errors.Unwrap(err))
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) //nolint:errcheck // drained for reuse
	resp.Body.Close()
	switch st := resp.StatusCode; {
	case st >= 200 && st < 300:
		return st, nil
	case st >= 400 && st < 500 && st != http.StatusRequestTimeout && st != http.StatusTooManyRequests:
		return st, fmt.Errorf("%w: the receiver answered %d", errRejected, st)
	default:
		return st, fmt.Errorf("the receiver answered %d", st)
	}
}
