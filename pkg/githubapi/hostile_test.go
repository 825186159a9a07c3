package githubapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// These tests use httptest servers: GitHub itself cannot be made to hang or
// redirect, so hostile servers stand in for it.

func hostileClient(t *testing.T, apiURL string) *Client {
	t.Helper()
	c, err := New(Options{Token: "tok-secret", APIURL: apiURL, Author: "me", RequestTimeout: 200 * time.Millisecond,
		Retry: RetryPolicy{MaxAttempts: 2, MaxElapsed: time.Hour, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testContext ends with the test's own deadline, never a guessed duration.
func testContext(t *testing.T) context.Context {
	ctx := context.Background()
	if d, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-5*time.Second))
		t.Cleanup(cancel)
	}
	return ctx
}

func TestSilentServerTimesOutPerRequest(t *testing.T) {
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // accept, then say nothing
		case <-done:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(done)
	ctx := testContext(t)
	_, err := hostileClient(t, srv.URL).StickyComment(ctx, repo, 1, "x", "body", ModeUpdate)
	if err == nil || !strings.Contains(err.Error(), "no answer within") {
		t.Fatalf("err = %v, want a per-request timeout", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the test's deadline ended the request, not the per-request timeout")
	}
}

func TestCrossHostRedirectIsRefusedAndTokenNotSent(t *testing.T) {
	var leaked atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Store(true)
		}
		w.Write([]byte("[]"))
	}))
	defer other.Close()
	// "localhost" and 127.0.0.1 are different hosts to the client.
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, otherURL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	_, err := hostileClient(t, srv.URL).StickyComment(testContext(t), repo, 1, "x", "body", ModeUpdate)
	if err == nil || !strings.Contains(err.Error(), "refusing a redirect") {
		t.Fatalf("err = %v, want the redirect refused", err)
	}
	if leaked.Load() {
		t.Fatal("the token was sent to the other host")
	}
}

func TestEndlessNextPagesStop(t *testing.T) {
	for name, next := range map[string]func(page int) int{
		"always one more": func(p int) int { return p + 1 },
		"same page":       func(p int) int { return p },
	} {
		t.Run(name, func(t *testing.T) {
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				page := 1
				fmt.Sscan(r.URL.Query().Get("page"), &page)
				w.Header().Set("Link", fmt.Sprintf(`<%s%s?page=%d>; rel="next"`, srv.URL, r.URL.Path, next(page)))
				w.Write([]byte("[]"))
			}))
			defer srv.Close()
			_, err := hostileClient(t, srv.URL).StickyComment(testContext(t), repo, 1, "x", "body", ModeUpdate)
			if err == nil || !strings.Contains(err.Error(), "page") {
				t.Fatalf("err = %v, want the listing stopped", err)
			}
		})
	}
}

func TestHugeAnswerIsRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("["))
		chunk := []byte(strings.Repeat(`{"id":1},`, 1<<12))
		for n := 0; n <= MaxAnswerBytes; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c := hostileClient(t, srv.URL)
	c.http.Transport.(*retryTransport).base = boundedTransport{http.DefaultTransport, time.Hour} // the test's deadline bounds it
	_, err := c.StickyComment(testContext(t), repo, 1, "x", "body", ModeUpdate)
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v, want the answer refused", err)
	}
}

func TestAPIURLMustBeHTTPSOrLoopback(t *testing.T) {
	for _, bad := range []string{"http://api.github.com", "http://10.0.0.1/api/v3", "https://user:pw@api.github.com", "ftp://x"} {
		if _, err := New(Options{Token: "x", APIURL: bad}); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	for _, good := range []string{"https://github.example.com/api/v3", "http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:2"} {
		if _, err := New(Options{Token: "x", APIURL: good}); err != nil {
			t.Errorf("%s refused: %v", good, err)
		}
	}
}

func TestGraphQLGoesToTheAPIHost(t *testing.T) {
	c, err := New(Options{Token: "x", APIURL: "https://ghes.example.com/api/v3"})
	if err != nil {
		t.Fatal(err)
	}
	if c.graphqlURL != "https://ghes.example.com/api/graphql" {
		t.Fatalf("GraphQL URL %s", c.graphqlURL)
	}
}
