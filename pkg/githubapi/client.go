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
	// GraphQLURL is the GraphQL endpoint; derived from APIURL when empty.
	GraphQLURL string
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
}

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
		return nil, errors.New("no GitHub token: pass --token or set GITHUB_TOKEN")
	}
	apiURL := opts.APIURL
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	base, err := url.Parse(apiURL)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("API URL %q is not an http(s) URL", apiURL)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	graphqlURL := opts.GraphQLURL
	if graphqlURL == "" {
		graphqlURL = GraphQLURL(base)
	}
	transport := http.DefaultTransport
	if opts.HTTPClient != nil && opts.HTTPClient.Transport != nil {
		transport = opts.HTTPClient.Transport
	}
	rt := newRetryTransport(acceptJSON{transport}, opts.Retry, opts.Sleep, opts.Now)
	httpClient := &http.Client{Transport: rt}
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
