package githubapi

import (
	"context"
	"errors"
	"github.com/mlgate/mlgate/internal/githubfake"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var ctx = context.Background()

var repo = Repo{"o", "r"}

func TestMarkerRoundTripAndCannotBeClosedByID(t *testing.T) {
	for _, id := range []string{"default", "model/fraud", `--> <script>`, "ünï \"q\""} {
		m := Marker(id)
		if strings.Count(m, "-->") != 1 || !strings.HasSuffix(m, " -->") {
			t.Errorf("Marker(%q) = %q can be closed early", id, m)
		}
		got, ok := markerID(m + "\nbody")
		if !ok || got != id {
			t.Errorf("markerID(Marker(%q)) = %q, %v", id, got, ok)
		}
	}
	if _, ok := markerID("text before\n" + Marker("x")); ok {
		t.Error("a marker must open the body")
	}
}

func TestStickyCommentCreatesThenUpdatesInPlace(t *testing.T) {
	f := githubfake.New(t)
	c, _ := client(t, f, "ghs-installation")
	first, err := c.StickyComment(ctx, repo, 7, "default", "first", ModeUpdate)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.StickyComment(ctx, repo, 7, "default", "second", ModeUpdate)
	if err != nil {
		t.Fatal(err)
	}
	if first.Action != "created" || second.Action != "updated" || first.ID != second.ID {
		t.Fatalf("first %+v, second %+v", first, second)
	}
	bodies := f.Bodies(7)
	if len(bodies) != 1 || bodies[0] != Marker("default")+"\nsecond" {
		t.Fatalf("comments = %q", bodies)
	}
	// Another id is another comment.
	if _, err := c.StickyComment(ctx, repo, 7, "drift", "d", ModeUpdate); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Bodies(7)); n != 2 {
		t.Fatalf("%d comments, want 2", n)
	}
}

func TestStickyCommentMatchesMarkerAndAuthorOnEveryPage(t *testing.T) {
	f := githubfake.New(t)
	for i := 0; i < 230; i++ {
		f.AddComment(7, "someone", "chatter "+strconv.Itoa(i))
	}
	// Someone quoting our marker is not us, and must not be edited.
	impostor := f.AddComment(7, "mallory", Marker("default")+"\nfake report")
	ours := f.AddComment(7, ActionsBot, Marker("default")+"\nold")
	for i := 0; i < 40; i++ {
		f.AddComment(7, "someone", "more")
	}
	c, _ := client(t, f, "ghs-installation")
	res, err := c.StickyComment(ctx, repo, 7, "default", "new", ModeUpdate)
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != ours.ID || res.Action != "updated" {
		t.Fatalf("updated %+v, want our comment %d", res, ours.ID)
	}
	if impostor.Body != Marker("default")+"\nfake report" || ours.Body != Marker("default")+"\nnew" {
		t.Fatalf("impostor %q, ours %q", impostor.Body, ours.Body)
	}
	if n := f.Count("GET /repos/o/r/issues/7/comments"); n != 3 {
		t.Errorf("%d list requests, want 3 pages of 100", n)
	}
}

func TestAuthor(t *testing.T) {
	f := githubfake.New(t)
	pat, _ := client(t, f, "pat-token")
	if got, err := pat.Author(ctx); err != nil || got != "octocat" {
		t.Errorf("PAT author = %q, %v", got, err)
	}
	bot, _ := client(t, f, "ghs-installation")
	if got, err := bot.Author(ctx); err != nil || got != ActionsBot {
		t.Errorf("installation token author = %q, %v", got, err)
	}
	bad, _ := client(t, f, "wrong")
	if _, err := bad.Author(ctx); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("bad token: %v", err)
	}
	set, err := New(Options{Token: "x", APIURL: f.URL(), Author: "my-app[bot]"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := set.Author(ctx); got != "my-app[bot]" {
		t.Errorf("explicit author = %q", got)
	}
}

func TestStickyCommentRecreate(t *testing.T) {
	f := githubfake.New(t)
	c, _ := client(t, f, "pat-token")
	old := f.AddComment(3, "octocat", Marker("default")+"\nold")
	f.AddComment(3, "someone", "reply")
	res, err := c.StickyComment(ctx, repo, 3, "default", "new", ModeRecreate)
	if err != nil {
		t.Fatal(err)
	}
	bodies := f.Bodies(3)
	if res.Action != "created" || res.Deleted != 1 || res.ID == old.ID || len(bodies) != 2 || bodies[1] != Marker("default")+"\nnew" {
		t.Fatalf("result %+v, comments %q", res, bodies)
	}
}

func TestStickyCommentHidePrevious(t *testing.T) {
	f := githubfake.New(t)
	c, _ := client(t, f, "pat-token")
	old := f.AddComment(3, "octocat", Marker("default")+"\nold")
	res, err := c.StickyComment(ctx, repo, 3, "default", "new", ModeHidePrevious)
	if err != nil {
		t.Fatal(err)
	}
	if res.Hidden != 1 || !old.Minimized || len(f.Bodies(3)) != 2 {
		t.Fatalf("result %+v, minimized %v", res, f.Minimized)
	}
	// The next run hides this one too and keeps the old one hidden.
	if _, err := c.StickyComment(ctx, repo, 3, "default", "newer", ModeHidePrevious); err != nil {
		t.Fatal(err)
	}
	if len(f.Bodies(3)) != 3 || len(f.Minimized) != 3 {
		t.Fatalf("comments %d, minimized %v", len(f.Bodies(3)), f.Minimized)
	}
}

func TestRacingRunsLeaveExactlyOneComment(t *testing.T) {
	for _, mode := range []Mode{ModeUpdate, ModeRecreate} {
		for _, racers := range []int{2, 3} {
			t.Run(string(mode)+"/"+strconv.Itoa(racers), func(t *testing.T) {
				f := githubfake.New(t)
				f.CreateBarrier = githubfake.NewBarrier(racers)
				var wg sync.WaitGroup
				errs := make([]error, racers)
				for i := 0; i < racers; i++ {
					wg.Add(1)
					go func(i int) {
						defer wg.Done()
						c, _ := client(t, f, "ghs-installation")
						_, errs[i] = c.StickyComment(ctx, repo, 9, "default", "run "+strconv.Itoa(i), mode)
					}(i)
				}
				wg.Wait()
				for _, err := range errs {
					if err != nil {
						t.Fatal(err)
					}
				}
				bodies := f.Bodies(9)
				if len(bodies) != 1 {
					t.Fatalf("%d comments left, want 1: %q", len(bodies), bodies)
				}
				if f.Count("POST /repos/o/r/issues/9/comments") != racers {
					t.Fatal("the barrier did not make every run create")
				}
			})
		}
	}
}

func TestUpdateCleansDuplicatesOfEarlierRaces(t *testing.T) {
	f := githubfake.New(t)
	a := f.AddComment(5, ActionsBot, Marker("default")+"\na")
	f.AddComment(5, ActionsBot, Marker("default")+"\nb")
	c, _ := client(t, f, "ghs-installation")
	res, err := c.StickyComment(ctx, repo, 5, "default", "c", ModeUpdate)
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != a.ID || res.Deleted != 1 || len(f.Bodies(5)) != 1 {
		t.Fatalf("result %+v, comments %q", res, f.Bodies(5))
	}
}

func TestForkReadOnlyTokenIsForbiddenWithoutRetries(t *testing.T) {
	f := githubfake.New(t)
	f.ReadOnly = true
	c, slept := client(t, f, "ghs-installation")
	_, err := c.StickyComment(ctx, repo, 5, "default", "x", ModeUpdate)
	if !IsForbidden(err) {
		t.Fatalf("err = %v, want a 403", err)
	}
	if len(*slept) != 0 || f.Count("POST") != 1 {
		t.Fatalf("a permission 403 was retried: slept %v, %d posts", *slept, f.Count("POST"))
	}
}

func TestRetriesServerErrors(t *testing.T) {
	f := githubfake.New(t)
	f.Faults = []githubfake.Fault{
		{Method: "GET", Path: "/repos/o/r/issues/5/comments", Status: http.StatusBadGateway, Body: "bad gateway"},
		{Method: "POST", Path: "/repos/o/r/issues/5/comments", Status: http.StatusServiceUnavailable},
	}
	c, slept := client(t, f, "pat-token")
	if _, err := c.StickyComment(ctx, repo, 5, "default", "x", ModeUpdate); err != nil {
		t.Fatal(err)
	}
	if len(*slept) != 2 || len(f.Bodies(5)) != 1 {
		t.Fatalf("slept %v, comments %q", *slept, f.Bodies(5))
	}
	for _, d := range *slept {
		if d < 750*time.Millisecond || d > time.Second {
			t.Errorf("first backoff %v, want 1s less jitter", d)
		}
	}
}

func TestRateLimitsWaitAsGitHubSays(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	cases := []struct {
		name  string
		fault githubfake.Fault
		want  time.Duration
	}{
		{"429 Retry-After", githubfake.Fault{Status: http.StatusTooManyRequests, Header: map[string]string{"Retry-After": "7"}}, 7 * time.Second},
		{"403 secondary Retry-After", githubfake.Fault{Status: http.StatusForbidden, Header: map[string]string{"Retry-After": "3"},
			Body: `{"message":"You have exceeded a secondary rate limit"}`}, 3 * time.Second},
		{"403 primary reset", githubfake.Fault{Status: http.StatusForbidden, Header: map[string]string{
			"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": strconv.FormatInt(now.Unix()+30, 10)},
			Body: `{"message":"API rate limit exceeded"}`}, 31 * time.Second},
		{"403 secondary without time", githubfake.Fault{Status: http.StatusForbidden,
			Body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes"}`}, time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := githubfake.New(t)
			tc.fault.Method, tc.fault.Path = "GET", "/user"
			f.Faults = []githubfake.Fault{tc.fault}
			var slept []time.Duration
			c, err := New(Options{Token: "pat-token", APIURL: f.URL(), Now: func() time.Time { return now },
				Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }})
			if err != nil {
				t.Fatal(err)
			}
			login, err := c.Author(ctx)
			if err != nil || login != "octocat" {
				t.Fatalf("author %q, %v", login, err)
			}
			if len(slept) != 1 || slept[0] != tc.want {
				t.Fatalf("slept %v, want [%v]", slept, tc.want)
			}
		})
	}
}

func TestRetriesStopWithinTheBound(t *testing.T) {
	f := githubfake.New(t)
	for i := 0; i < 50; i++ {
		f.Faults = append(f.Faults, githubfake.Fault{Method: "GET", Path: "/user", Status: http.StatusBadGateway})
	}
	clock := time.Unix(0, 0)
	var total time.Duration
	c, err := New(Options{Token: "pat-token", APIURL: f.URL(),
		Retry: RetryPolicy{MaxAttempts: 20, MaxElapsed: 10 * time.Second, BaseDelay: time.Second, MaxDelay: 4 * time.Second},
		Now:   func() time.Time { return clock },
		Sleep: func(_ context.Context, d time.Duration) error { clock = clock.Add(d); total += d; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Author(ctx)
	if err == nil || !strings.Contains(err.Error(), "502") {
		t.Fatalf("err = %v, want the last 502", err)
	}
	if total > 10*time.Second || f.Count("GET /user") < 3 {
		t.Fatalf("waited %v over %d tries", total, f.Count("GET /user"))
	}
}

func TestRetryHonoursContext(t *testing.T) {
	f := githubfake.New(t)
	f.Faults = []githubfake.Fault{{Method: "GET", Path: "/user", Status: http.StatusTooManyRequests, Header: map[string]string{"Retry-After": "3600"}}}
	c, err := New(Options{Token: "pat-token", APIURL: f.URL(), Retry: RetryPolicy{MaxAttempts: 3, MaxElapsed: 2 * time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	// The real sleep: a wait that ignored the context would take the hour
	// GitHub asked for and end in go test's timeout, not in this error.
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := c.Author(cctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the context's deadline error", err)
	}
	if n := f.Count("GET /user"); n != 1 {
		t.Errorf("GET /user sent %d times, want once (no retry after the deadline)", n)
	}
}

func TestErrorsNeverHoldTheToken(t *testing.T) {
	f := githubfake.New(t)
	const token = "ghp_SECRETSECRETSECRET"
	c, _ := client(t, f, token)
	_, err := c.StickyComment(ctx, repo, 1, "default", "x", ModeUpdate)
	if err == nil || strings.Contains(err.Error(), token) {
		t.Fatalf("err = %v", err)
	}
}

func TestBodyOverLimitIsRefused(t *testing.T) {
	f := githubfake.New(t)
	c, _ := client(t, f, "pat-token")
	body := strings.Repeat("x", BodyBudget("default")+1)
	if _, err := c.StickyComment(ctx, repo, 1, "default", body, ModeUpdate); err == nil {
		t.Fatal("a body over the limit was sent")
	}
	if _, err := c.StickyComment(ctx, repo, 1, "default", body[1:], ModeUpdate); err != nil {
		t.Fatalf("a body at the budget was refused: %v", err)
	}
}

func TestGraphQLURL(t *testing.T) {
	cases := map[string]string{
		"https://api.github.com":            "https://api.github.com/graphql",
		"https://api.github.com/":           "https://api.github.com/graphql",
		"https://ghes.example.com/api/v3":   "https://ghes.example.com/api/graphql",
		"https://ghes.example.com/api/v3/":  "https://ghes.example.com/api/graphql",
		"https://api.acme.ghe.com":          "https://api.acme.ghe.com/graphql",
		"http://127.0.0.1:8080/custom/root": "http://127.0.0.1:8080/custom/root/graphql",
	}
	for in, want := range cases {
		u, _ := url.Parse(in)
		if got := GraphQLURL(u); got != want {
			t.Errorf("GraphQLURL(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Error("no token accepted")
	}
	if _, err := New(Options{Token: "x", APIURL: "ftp://x"}); err == nil {
		t.Error("ftp API URL accepted")
	}
}

func TestParseModeAndRepo(t *testing.T) {
	if _, err := ParseMode("sticky"); err == nil {
		t.Error("unknown mode accepted")
	}
	if m, err := ParseMode("hide-previous"); err != nil || m != ModeHidePrevious {
		t.Error(m, err)
	}
	for _, bad := range []string{"", "o", "o/", "/r", "o/r/x"} {
		if _, err := ParseRepo(bad); err == nil {
			t.Errorf("ParseRepo(%q) accepted", bad)
		}
	}
	if r, err := ParseRepo("o/r"); err != nil || r != repo {
		t.Error(r, err)
	}
}

// client returns a client for the stand-in that never really sleeps, and
// the waits it would have slept.
func client(t *testing.T, f *githubfake.Server, token string) (*Client, *[]time.Duration) {
	var slept []time.Duration
	var mu sync.Mutex
	c, err := New(Options{Token: token, APIURL: f.URL(), Sleep: func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		slept = append(slept, d)
		mu.Unlock()
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	return c, &slept
}

// On GitHub Enterprise Server the REST API lives under /api/v3 and GraphQL at
// /api/graphql: a stand-in served under those paths must see every request.
func TestEnterpriseServerPaths(t *testing.T) {
	f := githubfake.New(t)
	upstream, _ := url.Parse(f.URL())
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	var unexpected []string
	var mu sync.Mutex
	ghes := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/api/v3/"):
			r.URL.Path = strings.TrimPrefix(r.URL.Path, "/api/v3")
		case r.URL.Path == "/api/graphql":
			r.URL.Path = "/graphql"
		default:
			mu.Lock()
			unexpected = append(unexpected, r.Method+" "+r.URL.Path)
			mu.Unlock()
			http.NotFound(w, r)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer ghes.Close()
	f.AddComment(2, "octocat", Marker("default")+"\nold")
	c, err := New(Options{Token: "pat-token", APIURL: ghes.URL + "/api/v3"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.StickyComment(ctx, repo, 2, "default", "new", ModeHidePrevious); err != nil {
		t.Fatal(err)
	}
	if len(unexpected) > 0 || len(f.Minimized) != 1 || len(f.Bodies(2)) != 2 {
		t.Fatalf("unexpected %v, minimized %v, comments %d", unexpected, f.Minimized, len(f.Bodies(2)))
	}
}

// GitHub's list may not show a comment just created. A racing run's comment
// that is listed must still be weighed against ours, or two would remain.
func TestDedupeCountsOwnCommentTheListLags(t *testing.T) {
	f := githubfake.New(t)
	f.OnCreate = func(number int) {
		// Ours was just created; a racing run's follows, and lists show only that one.
		f.OnCreate = nil
		racer := f.AddComment(number, githubfake.BotLogin, Marker("default")+"\nracer")
		f.ListHides = func(c *githubfake.Comment) bool { return c.ID == racer.ID-1 }
	}
	c, _ := client(t, f, "ghs-installation")
	res, err := c.StickyComment(ctx, repo, 3, "default", "mine", ModeUpdate)
	if err != nil {
		t.Fatal(err)
	}
	f.ListHides = nil
	if bodies := f.Bodies(3); len(bodies) != 1 || res.Deleted != 1 || bodies[0] != Marker("default")+"\nmine" {
		t.Fatalf("result %+v, comments %q", res, bodies)
	}
}

func TestFailedRecreateLeavesThePreviousReport(t *testing.T) {
	for _, mode := range []Mode{ModeRecreate, ModeHidePrevious} {
		f := githubfake.New(t)
		old := f.AddComment(3, "octocat", Marker("default")+"\nold")
		f.ReadOnly = true
		c, _ := client(t, f, "pat-token")
		if _, err := c.StickyComment(ctx, repo, 3, "default", "new", mode); !IsForbidden(err) {
			t.Fatalf("%s: err = %v", mode, err)
		}
		if bodies := f.Bodies(3); len(bodies) != 1 || old.Minimized {
			t.Fatalf("%s: comments %q, minimized %v", mode, bodies, old.Minimized)
		}
	}
}
