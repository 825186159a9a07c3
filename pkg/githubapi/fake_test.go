package githubapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeGitHub is an in-memory stand-in for the parts of GitHub's REST and
// GraphQL APIs the client uses. It keeps comments and issues, pages lists
// with Link headers as GitHub does, and can be told to fail.
type fakeGitHub struct {
	t      *testing.T
	server *httptest.Server

	mu       sync.Mutex
	nextID   int64
	comments map[int][]*fakeComment // by issue number
	issues   []*fakeIssue
	// tokens maps a token to its login; "" means an installation token,
	// for which GET /user is refused as GitHub refuses it.
	tokens map[string]string
	// readOnly refuses every write with 403, like a fork's GITHUB_TOKEN.
	readOnly bool
	// faults are answered, in order, before any real handling.
	faults []fault
	// createBarrier makes creates wait until that many have arrived, so
	// racing runs all list before any of them creates.
	createBarrier *barrier
	requests      []string
	minimized     []string
}

type fakeComment struct {
	ID        int64  `json:"id"`
	NodeID    string `json:"node_id"`
	Body      string `json:"body"`
	HTMLURL   string `json:"html_url"`
	User      fakeUser
	Minimized bool `json:"-"`
}

type fakeUser struct {
	Login string `json:"login"`
}

type fakeIssue struct {
	Number      int      `json:"number"`
	Title       string   `json:"title"`
	Body        string   `json:"body"`
	State       string   `json:"state"`
	StateReason string   `json:"state_reason,omitempty"`
	Labels      []string `json:"-"`
	User        fakeUser `json:"user"`
	PullRequest bool     `json:"-"`
}

// fault answers one request matching method and path prefix.
type fault struct {
	method, path string
	status       int
	header       map[string]string
	body         string
}

type barrier struct {
	mu   sync.Mutex
	n    int
	done chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, done: make(chan struct{})} }

func (b *barrier) wait() {
	b.mu.Lock()
	b.n--
	if b.n == 0 {
		close(b.done)
	}
	b.mu.Unlock()
	select {
	case <-b.done:
	case <-time.After(5 * time.Second):
	}
}

func newFakeGitHub(t *testing.T) *fakeGitHub {
	f := &fakeGitHub{t: t, nextID: 1000, comments: map[int][]*fakeComment{},
		tokens: map[string]string{"pat-token": "octocat", "ghs-installation": ""}}
	f.server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.server.Close)
	return f
}

// client returns a client for the fake that never really sleeps.
func (f *fakeGitHub) client(t *testing.T, token string) (*Client, *[]time.Duration) {
	var slept []time.Duration
	var mu sync.Mutex
	c, err := New(Options{Token: token, APIURL: f.server.URL, Sleep: func(ctx context.Context, d time.Duration) error {
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

func (f *fakeGitHub) addComment(number int, login, body string) *fakeComment {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	c := &fakeComment{ID: f.nextID, NodeID: "IC_" + strconv.FormatInt(f.nextID, 10), Body: body, User: fakeUser{login},
		HTMLURL: fmt.Sprintf("https://github.com/o/r/pull/%d#issuecomment-%d", number, f.nextID)}
	f.comments[number] = append(f.comments[number], c)
	return c
}

func (f *fakeGitHub) bodies(number int) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.comments[number] {
		out = append(out, c.Body)
	}
	return out
}

func (f *fakeGitHub) count(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

var (
	commentsPath = regexp.MustCompile(`^/repos/o/r/issues/(\d+)/comments$`)
	commentPath  = regexp.MustCompile(`^/repos/o/r/issues/comments/(\d+)$`)
	issuePath    = regexp.MustCompile(`^/repos/o/r/issues/(\d+)$`)
)

func (f *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	for i, ft := range f.faults {
		if ft.method == r.Method && strings.HasPrefix(r.URL.Path, ft.path) {
			f.faults = append(f.faults[:i], f.faults[i+1:]...)
			f.mu.Unlock()
			for k, v := range ft.header {
				w.Header().Set(k, v)
			}
			w.WriteHeader(ft.status)
			fmt.Fprint(w, ft.body)
			return
		}
	}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	login, known := f.tokens[token]
	readOnly := f.readOnly
	f.mu.Unlock()

	if !known {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials"})
		return
	}
	if readOnly && r.Method != http.MethodGet {
		writeJSON(w, http.StatusForbidden, map[string]string{"message": "Resource not accessible by integration"})
		return
	}
	if login == "" {
		login = ActionsBot
	}
	switch p := r.URL.Path; {
	case p == "/user" && r.Method == http.MethodGet:
		if login == ActionsBot {
			writeJSON(w, http.StatusForbidden, map[string]string{"message": "Resource not accessible by integration"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"login": login, "id": 1})
	case commentsPath.MatchString(p):
		number, _ := strconv.Atoi(commentsPath.FindStringSubmatch(p)[1])
		f.serveComments(w, r, number, login)
	case commentPath.MatchString(p):
		id, _ := strconv.ParseInt(commentPath.FindStringSubmatch(p)[1], 10, 64)
		f.serveComment(w, r, id)
	case p == "/repos/o/r/issues":
		f.serveIssues(w, r, login)
	case issuePath.MatchString(p) && r.Method == http.MethodPatch:
		number, _ := strconv.Atoi(issuePath.FindStringSubmatch(p)[1])
		f.editIssue(w, r, number)
	case p == "/graphql" && r.Method == http.MethodPost:
		f.serveGraphQL(w, r)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
	}
}

func (f *fakeGitHub) serveComments(w http.ResponseWriter, r *http.Request, number int, login string) {
	switch r.Method {
	case http.MethodGet:
		f.mu.Lock()
		all := append([]*fakeComment(nil), f.comments[number]...)
		f.mu.Unlock()
		page(w, r, len(all), func(i int) any { return commentJSON(all[i]) })
	case http.MethodPost:
		var in struct{ Body string }
		json.NewDecoder(r.Body).Decode(&in)
		if f.createBarrier != nil {
			f.createBarrier.wait()
		}
		c := f.addComment(number, login, in.Body)
		writeJSON(w, http.StatusCreated, commentJSON(c))
	}
}

func commentJSON(c *fakeComment) map[string]any {
	return map[string]any{"id": c.ID, "node_id": c.NodeID, "body": c.Body, "html_url": c.HTMLURL, "user": c.User}
}

func (f *fakeGitHub) serveComment(w http.ResponseWriter, r *http.Request, id int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for number, list := range f.comments {
		for i, c := range list {
			if c.ID != id {
				continue
			}
			switch r.Method {
			case http.MethodPatch:
				var in struct{ Body string }
				json.NewDecoder(r.Body).Decode(&in)
				c.Body = in.Body
				writeJSON(w, http.StatusOK, commentJSON(c))
			case http.MethodDelete:
				f.comments[number] = append(list[:i:i], list[i+1:]...)
				w.WriteHeader(http.StatusNoContent)
			}
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
}

func (f *fakeGitHub) serveIssues(w http.ResponseWriter, r *http.Request, login string) {
	switch r.Method {
	case http.MethodGet:
		state, label := r.URL.Query().Get("state"), r.URL.Query().Get("labels")
		f.mu.Lock()
		var list []*fakeIssue
		for _, is := range f.issues {
			if (state == "" || state == is.State) && (label == "" || contains(is.Labels, label)) {
				list = append(list, is)
			}
		}
		f.mu.Unlock()
		sort.Slice(list, func(i, j int) bool { return list[i].Number > list[j].Number }) // newest first, as GitHub
		page(w, r, len(list), func(i int) any { return issueJSON(list[i]) })
	case http.MethodPost:
		var in struct {
			Title, Body string
			Labels      []string
		}
		json.NewDecoder(r.Body).Decode(&in)
		if f.createBarrier != nil {
			f.createBarrier.wait()
		}
		f.mu.Lock()
		is := &fakeIssue{Number: len(f.issues) + 1, Title: in.Title, Body: in.Body, State: "open", Labels: in.Labels, User: fakeUser{login}}
		f.issues = append(f.issues, is)
		f.mu.Unlock()
		writeJSON(w, http.StatusCreated, issueJSON(is))
	}
}

func issueJSON(is *fakeIssue) map[string]any {
	m := map[string]any{"number": is.Number, "title": is.Title, "body": is.Body, "state": is.State, "user": is.User,
		"html_url": fmt.Sprintf("https://github.com/o/r/issues/%d", is.Number)}
	if is.PullRequest {
		m["pull_request"] = map[string]string{"url": "https://api.github.com/repos/o/r/pulls/1"}
	}
	return m
}

func (f *fakeGitHub) editIssue(w http.ResponseWriter, r *http.Request, number int) {
	var in map[string]string
	json.NewDecoder(r.Body).Decode(&in)
	f.mu.Lock()
	defer f.mu.Unlock()
	if number < 1 || number > len(f.issues) {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	is := f.issues[number-1]
	for k, v := range in {
		switch k {
		case "title":
			is.Title = v
		case "body":
			is.Body = v
		case "state":
			is.State = v
		case "state_reason":
			is.StateReason = v
		}
	}
	writeJSON(w, http.StatusOK, issueJSON(is))
}

func (f *fakeGitHub) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Query     string
		Variables map[string]string
	}
	json.NewDecoder(r.Body).Decode(&in)
	if !strings.Contains(in.Query, "minimizeComment") || !strings.Contains(in.Query, "OUTDATED") {
		writeJSON(w, http.StatusOK, map[string]any{"errors": []map[string]string{{"message": "unexpected query"}}})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, list := range f.comments {
		for _, c := range list {
			if c.NodeID == in.Variables["id"] {
				c.Minimized = true
				f.minimized = append(f.minimized, c.NodeID)
				writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"minimizeComment": map[string]any{"minimizedComment": map[string]bool{"isMinimized": true}}}})
				return
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"errors": []map[string]string{{"message": "Could not resolve to a node"}}})
}

// page serves items per_page at a time with a Link header, as GitHub does.
func page(w http.ResponseWriter, r *http.Request, n int, item func(int) any) {
	perPage, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if perPage <= 0 || perPage > 100 {
		perPage = 30
	}
	pg, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if pg <= 0 {
		pg = 1
	}
	out := []any{}
	for i := (pg - 1) * perPage; i < n && i < pg*perPage; i++ {
		out = append(out, item(i))
	}
	if pg*perPage < n {
		next := *r.URL
		q := next.Query()
		q.Set("page", strconv.Itoa(pg+1))
		next.RawQuery = q.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<http://%s%s>; rel="next"`, r.Host, next.String()))
	}
	writeJSON(w, http.StatusOK, out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
