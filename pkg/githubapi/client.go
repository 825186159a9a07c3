// Package githubapi is mlgate's GitHub REST client: one sticky comment per report
// id on a pull request, one labelled issue per id for scheduled runs, retries
// on server errors and rate limits within a bounded time, and the event
// context of the workflow run.
//
// It wraps github.com/google/go-github/v62. Nothing here prints: results and
// errors go back to the caller, which decides what the user sees. The token is
// only ever placed in the Authorization header.
package githubapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"
)

// DefaultAPIURL is github.com's REST API.
const DefaultAPIURL = "https://api.github.com"

// ActionsBot is the login of the built-in GITHUB_TOKEN's comments and issues.
// That token is an installation token, for which GET /user answers 403, so
// the author cannot be asked for and is taken to be this bot.
const ActionsBot = "github-actions[bot]"

// Options configure a Client.
type Options struct {
	// Token authenticates every request (a GITHUB_TOKEN, a PAT, an app token).
	Token string
	// APIURL is the REST API root: https://api.github.com, or
	// https://HOST/api/v3 on GitHub Enterprise Server (GITHUB_API_URL in Actions).
	APIURL string
	// Author is the login whose comments are ours. When empty it is asked of
	// GET /user, falling back to ActionsBot for installation tokens.
	Author string
	// HTTPClient sends the requests; http.DefaultClient's transport when nil.
	HTTPClient *http.Client
	// Retry bounds retries; DefaultRetry when zero.
	Retry RetryPolicy
	// Sleep waits between retries; tests replace it to run without waiting.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used to read x-ratelimit-reset; time.Now when nil.
	Now func() time.Time
	// RequestTimeout bounds each attempt, answer included, inside the retry
	// budget; DefaultRequestTimeout when zero.
	RequestTimeout time.Duration
}

// DefaultRequestTimeout is how long one request may take: a server that
// accepts the connection and says nothing cannot hold the step until the
// job's timeout.
const DefaultRequestTimeout = 30 * time.Second

// MaxAnswerBytes caps one answer's body.
const MaxAnswerBytes = 32 << 20

// Client talks to one GitHub (github.com or a GHES host).
type Client struct {
	gh         *github.Client
	http       *http.Client
	graphqlURL string
	token      string
	author     string
}

// New builds a client. It does no network I/O.
func New(opts Options) (*Client, error) {
	if opts.Token == "" {
		return nil, errors.New("no GitHub token given")
	}
	apiURL := opts.APIURL
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	base, err := url.Parse(apiURL)
	if err != nil || base.Host == "" || base.User != nil || !(base.Scheme == "https" || base.Scheme == "http" && loopback(base.Hostname())) {
		return nil, fmt.Errorf("API URL %q is not an https URL (http only for loopback)", apiURL)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	// GraphQL goes to the API's own host, never to a URL from elsewhere
	// (GITHUB_GRAPHQL_URL may name another host than --api-url).
	graphqlURL := GraphQLURL(base)
	transport := http.DefaultTransport
	if opts.HTTPClient != nil && opts.HTTPClient.Transport != nil {
		transport = opts.HTTPClient.Transport
	}
	timeout := opts.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	rt := newRetryTransport(boundedTransport{acceptJSON{transport}, timeout}, opts.Retry, opts.Sleep, opts.Now)
	httpClient := &http.Client{Transport: rt, CheckRedirect: sameHostRedirect}
	if opts.HTTPClient != nil {
		httpClient.Timeout = opts.HTTPClient.Timeout
	}
	gh := github.NewClient(httpClient).WithAuthToken(opts.Token)
	gh.BaseURL = base
	gh.UploadURL = base
	gh.UserAgent = "mlgate"
	return &Client{gh: gh, http: httpClient, graphqlURL: graphqlURL, token: opts.Token, author: opts.Author}, nil
}

// acceptJSON asks for application/json, the one media type GitHub's REST
// description declares, instead of the v3 and preview types go-github sends
// (the reactions preview on comment lists among them); GitHub answers both alike.
type acceptJSON struct{ next http.RoundTripper }

func (a acceptJSON) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Accept", "application/json")
	return a.next.RoundTrip(req)
}

// loopback reports whether host is this machine (tests, local fakes).
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sameHostRedirect refuses a redirect to another host or from https to
// http: the token is added to every request this client sends, so a
// redirect elsewhere would hand it over.
func sameHostRedirect(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	if req.URL.Host != first.Host || req.URL.Scheme != first.Scheme {
		return fmt.Errorf("refusing a redirect from %s to another host or scheme (%s://%s)", first.Host, req.URL.Scheme, req.URL.Host)
	}
	if len(via) >= 5 {
		return errors.New("more than 5 redirects")
	}
	return nil
}

// boundedTransport gives each attempt its own deadline, covering the answer's
// body, and caps the body at MaxAnswerBytes.
type boundedTransport struct {
	next    http.RoundTripper
	timeout time.Duration
}

func (b boundedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), b.timeout)
	resp, err := b.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		if ctx.Err() == context.DeadlineExceeded && req.Context().Err() == nil {
			return nil, fmt.Errorf("%s %s: no answer within %s: %w", req.Method, req.URL.Redacted(), b.timeout, err)
		}
		return nil, err
	}
	resp.Body = &boundedBody{r: io.LimitReader(resp.Body, MaxAnswerBytes+1), c: resp.Body, cancel: cancel}
	return resp, nil
}

// boundedBody ends the attempt's deadline when closed and fails past the cap.
type boundedBody struct {
	r      io.Reader
	c      io.Closer
	cancel context.CancelFunc
	n      int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > MaxAnswerBytes {
		return n, fmt.Errorf("answer larger than %d MiB: refused", MaxAnswerBytes>>20)
	}
	return n, err
}

func (b *boundedBody) Close() error {
	defer b.cancel()
	return b.c.Close()
}

// GraphQLURL derives the GraphQL endpoint from the REST root: github.com and
// GHE.com serve it at /graphql on the API host, GHES at /api/graphql.
func GraphQLURL(api *url.URL) string {
	u := *api
	path := strings.TrimSuffix(u.Path, "/")
	if strings.HasSuffix(path, "/api/v3") {
		u.Path = strings.TrimSuffix(path, "/v3") + "/graphql"
	} else {
		u.Path = path + "/graphql"
	}
	return u.String()
}

// Author returns the login whose comments and issues are ours: Options.Author,
// else the token's user from GET /user, else (installation tokens, whose
// GET /user is refused with 403) ActionsBot.
func (c *Client) Author(ctx context.Context) (string, error) {
	if c.author != "" {
		return c.author, nil
	}
	user, resp, err := c.gh.Users.Get(ctx, "")
	switch {
	case err == nil && user.GetLogin() != "":
		c.author = user.GetLogin()
	case err != nil && resp != nil && resp.StatusCode == http.StatusForbidden && !isRateLimit(err):
		c.author = ActionsBot
	case err == nil:
		return "", errors.New("finding the token's user (GET /user): no login in the answer")
	default:
		return "", fmt.Errorf("finding the token's user (GET /user): %w", err)
	}
	return c.author, nil
}

// Repo is an owner/name pair.
type Repo struct{ Owner, Name string }

// ParseRepo reads "owner/name".
func ParseRepo(s string) (Repo, error) {
	owner, name, ok := strings.Cut(s, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return Repo{}, fmt.Errorf("repository %q is not owner/name", s)
	}
	return Repo{owner, name}, nil
}

func (r Repo) String() string { return r.Owner + "/" + r.Name }

// IsForbidden reports whether GitHub refused the request for lack of
// permission: the read-only token of a pull request from a fork.
func IsForbidden(err error) bool {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusForbidden {
		return true
	}
	return errors.Is(err, errForbidden)
}

// errForbidden marks a 403 from a call go-github does not make (GraphQL).
var errForbidden = errors.New("forbidden")

func isRateLimit(err error) bool {
	var primary *github.RateLimitError
	var secondary *github.AbuseRateLimitError
	return errors.As(err, &primary) || errors.As(err, &secondary)
}

func isNotFound(err error) bool {
	var er *github.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusNotFound
}
