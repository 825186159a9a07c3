package githubapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy bounds how hard a request is retried.
type RetryPolicy struct {
	// MaxAttempts counts the first try.
	MaxAttempts int
	// MaxElapsed bounds the time from the first try to the last, waits
	// included: a wait that would pass it is not taken, the last answer is returned.
	MaxElapsed time.Duration
	// BaseDelay is the first backoff after a server error, doubled each time
	// up to MaxDelay.
	BaseDelay, MaxDelay time.Duration
}

// DefaultRetry suits a CI step: six tries within two minutes.
var DefaultRetry = RetryPolicy{MaxAttempts: 6, MaxElapsed: 2 * time.Minute, BaseDelay: time.Second, MaxDelay: 30 * time.Second}

// secondaryLimitWait is GitHub's advice for a secondary rate limit that names
// no time: wait at least a minute.
const secondaryLimitWait = time.Minute

// retryTransport retries server errors (5xx, network errors) with exponential
// backoff and jitter, and rate limits (429, or 403 with a rate-limit sign) after
// the time GitHub names in Retry-After or x-ratelimit-reset.
type retryTransport struct {
	base   http.RoundTripper
	policy RetryPolicy
	sleep  func(ctx context.Context, d time.Duration) error
	now    func() time.Time
}

func newRetryTransport(base http.RoundTripper, p RetryPolicy, sleep func(context.Context, time.Duration) error, now func() time.Time) *retryTransport {
	if p.MaxAttempts == 0 {
		p = DefaultRetry
	}
	if sleep == nil {
		sleep = sleepContext
	}
	if now == nil {
		now = time.Now
	}
	return &retryTransport{base: base, policy: p, sleep: sleep, now: now}
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := t.now()
	for attempt := 1; ; attempt++ {
		if attempt > 1 && req.Body != nil {
			if req.GetBody == nil {
				return nil, errNoRewind
			}
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
		resp, err := t.base.RoundTrip(req)
		wait, retry := t.retryAfter(resp, err, attempt)
		if !retry || attempt >= t.policy.MaxAttempts || t.now().Add(wait).Sub(start) > t.policy.MaxElapsed ||
			req.Context().Err() != nil {
			return resp, err
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
		}
		if err := t.sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

var errNoRewind = errors.New("cannot retry a request whose body cannot be replayed")

// retryAfter decides whether to retry and after how long.
func (t *retryTransport) retryAfter(resp *http.Response, err error, attempt int) (time.Duration, bool) {
	if err != nil {
		return t.backoff(attempt), true
	}
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests:
		if d, ok := t.namedWait(resp); ok {
			return d, true
		}
		return secondaryLimitWait, true
	case code == http.StatusForbidden:
		if d, ok := t.namedWait(resp); ok {
			return d, true
		}
		if mentionsSecondaryLimit(resp) {
			return secondaryLimitWait, true
		}
		return 0, false // a permission refusal: retrying will not help
	case code == http.StatusInternalServerError, code == http.StatusBadGateway,
		code == http.StatusServiceUnavailable, code == http.StatusGatewayTimeout:
		if d, ok := t.namedWait(resp); ok {
			return d, true
		}
		return t.backoff(attempt), true
	}
	return 0, false
}

// namedWait reads the wait GitHub asks for: Retry-After seconds, or, when the
// primary limit is exhausted, the time until x-ratelimit-reset.
func (t *retryTransport) namedWait(resp *http.Response) (time.Duration, bool) {
	if s := resp.Header.Get("Retry-After"); s != "" {
		if secs, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && secs >= 0 {
			return time.Duration(secs) * time.Second, true
		}
	}
	if resp.Header.Get("X-Ratelimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(resp.Header.Get("X-Ratelimit-Reset"), 10, 64); err == nil {
			d := time.Unix(reset, 0).Sub(t.now())
			return max(d, 0) + time.Second, true
		}
	}
	return 0, false
}

// mentionsSecondaryLimit peeks at a 403 body for GitHub's secondary-limit
// message, leaving the body readable for the caller.
func mentionsSecondaryLimit(resp *http.Response) bool {
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if err != nil {
		return false
	}
	lower := strings.ToLower(string(data))
	return strings.Contains(lower, "secondary rate limit") || strings.Contains(lower, "abuse detection")
}

// backoff is BaseDelay·2^(attempt-1), capped at MaxDelay, less up to a quarter
// at random so racing runs do not retry in step.
func (t *retryTransport) backoff(attempt int) time.Duration {
	d := t.policy.BaseDelay << (attempt - 1)
	if d > t.policy.MaxDelay || d <= 0 {
		d = t.policy.MaxDelay
	}
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}
