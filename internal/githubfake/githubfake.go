// Package githubfake is an in-memory stand-in for the parts of GitHub's REST
// and GraphQL APIs that mlgate and its example workflows use, for tests: it
// keeps comments, issues, workflow dispatches and releases,
// pages lists with Link headers as GitHub does, refuses writes like a fork's
// read-only token, and answers scripted faults (5xx, rate limits).
package githubfake

import (
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

// Server is an in-memory stand-in for the parts of GitHub's REST and
// GraphQL APIs the client uses. It keeps comments and issues, pages lists
// with Link headers as GitHub does, and can be told to fail.
type Server struct {
	server *httptest.Server

	mu       sync.Mutex
	nextID   int64
	comments map[int][]*Comment // by issue number
	Issues   []*Issue
	// tokens maps a token to its login; "" means an installation token,
	// for which GET /user is refused as GitHub refuses it.
	tokens map[string]string
	// ReadOnly refuses every write with 403, like a fork's GITHUB_TOKEN.
	ReadOnly bool
	// Faults are answered, in order, before any real handling.
	Faults []Fault
	// CreateBarrier makes creates wait until that many have arrived, so
	// racing runs all list before any of them creates.
	CreateBarrier *Barrier
	// OnCreate runs after a comment is created (outside the lock): a racing
	// run's create can be staged there.
	OnCreate func(number int)
	// ListHides leaves comments out of lists, as GitHub's lists may lag
	// behind a create for a moment.
	ListHides func(*Comment) bool
	requests  []string
	// Minimized lists the node ids hidden through GraphQL.
	Minimized  []string
	dispatches []Dispatch
	releases   []Release
	pulls      map[int]Pull
}

// Pull is a pull request's head, served at GET /repos/o/r/pulls/{n}.
type Pull struct {
	HeadSHA      string
	HeadRepoID   int64
	HeadRepoName string // owner/name
}

// AddPull adds pull request number with its head.
func (f *Server) AddPull(number int, p Pull) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pulls == nil {
		f.pulls = map[int]Pull{}
	}
	f.pulls[number] = p
}

// Dispatch is a recorded workflow_dispatch request
// (POST /repos/o/r/actions/workflows/{file}/dispatches).
type Dispatch struct {
	Workflow string         `json:"-"`
	Ref      string         `json:"ref"`
	Inputs   map[string]any `json:"inputs"`
}

// Release is a created release (POST /repos/o/r/releases).
type Release struct {
	ID      int64  `json:"id"`
	TagName string `json:"tag_name"`
	Name    string `json:"name"`
	Body    string `json:"body"`
	Author  User   `json:"author"`
}

// BotLogin is the login GitHub gives the built-in GITHUB_TOKEN.
const BotLogin = "github-actions[bot]"

// URL is the stand-in's API root.
func (f *Server) URL() string { return f.server.URL }

// Comment is a stored comment.
type Comment struct {
	ID        int64  `json:"id"`
	NodeID    string `json:"node_id"`
	Body      string `json:"body"`
	HTMLURL   string `json:"html_url"`
	User      User
	Minimized bool `json:"-"`
}

// User is an author.
type User struct {
	Login string `json:"login"`
}

// Issue is a stored issue (or, with PullRequest, a pull request).
type Issue struct {
	Number      int      `json:"number"`
	Title       string   `json:"title"`
	Body        string   `json:"body"`
	State       string   `json:"state"`
	StateReason string   `json:"state_reason,omitempty"`
	Labels      []string `json:"-"`
	User        User     `json:"user"`
	PullRequest bool     `json:"-"`
}

// Fault answers one request matching method and path prefix.
type Fault struct {
	Method, Path string
	Status       int
	Header       map[string]string
	Body         string
}

// Barrier holds creates until N have arrived.
type Barrier struct {
	mu   sync.Mutex
	n    int
	done chan struct{}
}

// NewBarrier makes a barrier for n creates.
func NewBarrier(n int) *Barrier { return &Barrier{n: n, done: make(chan struct{})} }

func (b *Barrier) wait() {
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

// New starts a stand-in, closed when the test ends. Two tokens are known:
// "pat-token" (user octocat) and "ghs-installation" (the Actions bot).
func New(t testing.TB) *Server {
	f := &Server{nextID: 1000, comments: map[int][]*Comment{},
		tokens: map[string]string{"pat-token": "octocat", "ghs-installation": ""}}
	f.server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.server.Close)
	return f
}

// AddComment adds a comment by login on issue or pull request number.
func (f *Server) AddComment(number int, login, body string) *Comment {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	c := &Comment{ID: f.nextID, NodeID: "IC_" + strconv.FormatInt(f.nextID, 10), Body: body, User: User{login},
		HTMLURL: fmt.Sprintf("https://github.com/o/r/pull/%d#issuecomment-%d", number, f.nextID)}
	f.comments[number] = append(f.comments[number], c)
	return c
}

// Bodies lists the bodies of the comments on number, oldest first.
func (f *Server) Bodies(number int) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.comments[number] {
		out = append(out, c.Body)
	}
	return out
}

// Count counts the requests whose "METHOD /path" starts with prefix.
func (f *Server) Count(prefix string) int {
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

// Dispatches lists the workflow dispatches received, oldest first.
func (f *Server) Dispatches() []Dispatch {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Dispatch(nil), f.dispatches...)
}

// Releases lists the releases created, oldest first.
func (f *Server) Releases() []Release {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Release(nil), f.releases...)
}

var (
	dispatchPath = regexp.MustCompile(`^/repos/o/r/actions/workflows/([^/]+)/dispatches$`)
	commentsPath = regexp.MustCompile(`^/repos/o/r/issues/(\d+)/comments$`)
	commentPath  = regexp.MustCompile(`^/repos/o/r/issues/comments/(\d+)$`)
	issuePath    = regexp.MustCompile(`^/repos/o/r/issues/(\d+)$`)
	pullPath     = regexp.MustCompile(`^/repos/o/r/pulls/(\d+)$`)
)

// Route names the API route of a request path, with its parameters as
// {o}, {r}, {n} and {id}; paths without parameters are returned as they are.
func Route(path string) string {
	switch {
	case commentsPath.MatchString(path):
		return "/repos/{o}/{r}/issues/{n}/comments"
	case commentPath.MatchString(path):
		return "/repos/{o}/{r}/issues/comments/{id}"
	case issuePath.MatchString(path):
		return "/repos/{o}/{r}/issues/{n}"
	case pullPath.MatchString(path):
		return "/repos/{o}/{r}/pulls/{n}"
	}
	return path
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	for i, ft := range f.Faults {
		if ft.Method == r.Method && strings.HasPrefix(r.URL.Path, ft.Path) {
			f.Faults = append(f.Faults[:i], f.Faults[i+1:]...)
			f.mu.Unlock()
			for k, v := range ft.Header {
				w.Header().Set(k, v)
			}
			w.WriteHeader(ft.Status)
			fmt.Fprint(w, ft.Body)
			return
		}
	}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	login, known := f.tokens[token]
	readOnly := f.ReadOnly
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
		login = BotLogin
	}
	switch p := r.URL.Path; {
	case p == "/user" && r.Method == http.MethodGet:
		if login == BotLogin {
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
	case pullPath.MatchString(p) && r.Method == http.MethodGet:
		number, _ := strconv.Atoi(pullPath.FindStringSubmatch(p)[1])
		f.mu.Lock()
		pr, ok := f.pulls[number]
		f.mu.Unlock()
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
			return
		}
		owner, _, _ := strings.Cut(pr.HeadRepoName, "/")
		writeJSON(w, http.StatusOK, map[string]any{"number": number, "state": "open", "head": map[string]any{
			"sha": pr.HeadSHA, "ref": "main", "label": owner + ":main",
			"repo": map[string]any{"id": pr.HeadRepoID, "full_name": pr.HeadRepoName, "name": strings.TrimPrefix(pr.HeadRepoName, owner+"/")},
		}})
	case p == "/graphql" && r.Method == http.MethodPost:
		f.serveGraphQL(w, r)
	case dispatchPath.MatchString(p) && r.Method == http.MethodPost:
		f.dispatch(w, r, dispatchPath.FindStringSubmatch(p)[1])
	case p == "/repos/o/r/releases" && r.Method == http.MethodPost:
		f.createRelease(w, r, login)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
	}
}

func (f *Server) serveComments(w http.ResponseWriter, r *http.Request, number int, login string) {
	switch r.Method {
	case http.MethodGet:
		f.mu.Lock()
		var all []*Comment
		for _, c := range f.comments[number] {
			if f.ListHides == nil || !f.ListHides(c) {
				all = append(all, c)
			}
		}
		f.mu.Unlock()
		page(w, r, len(all), func(i int) any { return commentJSON(all[i]) })
	case http.MethodPost:
		var in struct{ Body string }
		json.NewDecoder(r.Body).Decode(&in)
		if f.CreateBarrier != nil {
			f.CreateBarrier.wait()
		}
		c := f.AddComment(number, login, in.Body)
		if f.OnCreate != nil {
			f.OnCreate(number)
		}
		writeJSON(w, http.StatusCreated, commentJSON(c))
	}
}

func commentJSON(c *Comment) map[string]any {
	return map[string]any{"id": c.ID, "node_id": c.NodeID, "body": c.Body, "html_url": c.HTMLURL, "user": c.User}
}

func (f *Server) serveComment(w http.ResponseWriter, r *http.Request, id int64) {
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

func (f *Server) serveIssues(w http.ResponseWriter, r *http.Request, login string) {
	switch r.Method {
	case http.MethodGet:
		state, label := r.URL.Query().Get("state"), r.URL.Query().Get("labels")
		f.mu.Lock()
		var list []*Issue
		for _, is := range f.Issues {
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
		if f.CreateBarrier != nil {
			f.CreateBarrier.wait()
		}
		f.mu.Lock()
		is := &Issue{Number: len(f.Issues) + 1, Title: in.Title, Body: in.Body, State: "open", Labels: in.Labels, User: User{login}}
		f.Issues = append(f.Issues, is)
		f.mu.Unlock()
		writeJSON(w, http.StatusCreated, issueJSON(is))
	}
}

func issueJSON(is *Issue) map[string]any {
	m := map[string]any{"number": is.Number, "title": is.Title, "body": is.Body, "state": is.State, "user": is.User,
		"html_url": fmt.Sprintf("https://github.com/o/r/issues/%d", is.Number)}
	if is.PullRequest {
		m["pull_request"] = map[string]string{"url": "https://api.github.com/repos/o/r/pulls/1"}
	}
	return m
}

func (f *Server) editIssue(w http.ResponseWriter, r *http.Request, number int) {
	var in map[string]string
	json.NewDecoder(r.Body).Decode(&in)
	f.mu.Lock()
	defer f.mu.Unlock()
	if number < 1 || number > len(f.Issues) {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	is := f.Issues[number-1]
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

// dispatch records a workflow_dispatch request and answers 204, as GitHub
// does; a body without a ref is refused with 422.
func (f *Server) dispatch(w http.ResponseWriter, r *http.Request, workflow string) {
	d := Dispatch{Workflow: workflow}
	if err := json.NewDecoder(r.Body).Decode(&d); err != nil || d.Ref == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Invalid request: ref is required"})
		return
	}
	f.mu.Lock()
	f.dispatches = append(f.dispatches, d)
	f.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// createRelease records a release and answers 201; a body without a
// tag_name is refused with 422.
func (f *Server) createRelease(w http.ResponseWriter, r *http.Request, login string) {
	var rel Release
	if err := json.NewDecoder(r.Body).Decode(&rel); err != nil || rel.TagName == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Invalid request: tag_name is required"})
		return
	}
	f.mu.Lock()
	f.nextID++
	rel.ID, rel.Author = f.nextID, User{login}
	f.releases = append(f.releases, rel)
	f.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"id": rel.ID, "tag_name": rel.TagName, "name": rel.Name, "body": rel.Body,
		"author": rel.Author, "html_url": "https://github.com/o/r/releases/tag/" + rel.TagName})
}

func (f *Server) serveGraphQL(w http.ResponseWriter, r *http.Request) {
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
				f.Minimized = append(f.Minimized, c.NodeID)
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
