package githubapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mlgate/mlgate/internal/githubfake"
	"github.com/mlgate/mlgate/internal/testenv"
)

// startPrism serves GitHub's official REST description (@octokit/openapi)
// with @stoplight/prism-cli in mock mode on a free loopback port. With
// --errors, prism answers a request that breaks the description with a 4xx.
func startPrism(t *testing.T) string {
	t.Helper()
	prism := filepath.Join(testenv.NodeModule(t, "@stoplight/prism-cli"), "..", "..", ".bin", "prism")
	spec := filepath.Join(testenv.NodeModule(t, "@octokit/openapi"), "generated", "api.github.com.json")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	var logs bytes.Buffer
	cmd := exec.Command(prism, "mock", "-h", "127.0.0.1", "-p", strconv.Itoa(port), "--errors", spec)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting prism: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		<-exited
	})
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	ctx := testenv.Context(t)
	for {
		if resp, err := http.Get(base + "/zen"); err == nil {
			resp.Body.Close()
			return base
		}
		select {
		case <-exited:
			t.Fatalf("prism exited:\n%s", logs.String())
		case <-ctx.Done():
			t.Fatalf("prism did not start before the test's deadline:\n%s", logs.String())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// validatingTransport sends a copy of every REST request to prism, failing the
// test when GitHub's description rejects it, and answers from next (the
// stateful stand-in). GraphQL is not part of the REST description.
type validatingTransport struct {
	t     *testing.T
	prism *url.URL
	next  http.RoundTripper

	mu       sync.Mutex
	checked  map[string]bool
	rejected []string
}

func (v *validatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	if req.URL.Path != "/graphql" {
		check := req.Clone(req.Context())
		check.URL.Scheme, check.URL.Host, check.Host = v.prism.Scheme, v.prism.Host, ""
		check.Body = io.NopCloser(bytes.NewReader(body))
		resp, err := http.DefaultTransport.RoundTrip(check)
		if err != nil {
			v.t.Errorf("prism: %v", err)
		} else {
			answer, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			v.mu.Lock()
			if resp.StatusCode >= 300 && !onlyResponseViolations(answer) {
				v.rejected = append(v.rejected, fmt.Sprintf("%s %s %s: %d %s", req.Method, req.URL.RequestURI(), body, resp.StatusCode, answer))
			}
			v.checked[req.Method+" "+githubfake.Route(req.URL.Path)] = true
			v.mu.Unlock()
		}
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	return v.next.RoundTrip(req)
}

// TestRequestsMatchGitHubOpenAPI runs every kind of request the client sends
// (sticky comments in all modes, racing runs, labelled issues, the author
// lookup) through prism serving GitHub's REST description.
func TestRequestsMatchGitHubOpenAPI(t *testing.T) {
	prismURL, err := url.Parse(startPrism(t))
	if err != nil {
		t.Fatal(err)
	}
	f := githubfake.New(t)
	vt := &validatingTransport{t: t, prism: prismURL, next: http.DefaultTransport, checked: map[string]bool{}}
	newClient := func(token string) *Client {
		c, err := New(Options{Token: token, APIURL: f.URL(), HTTPClient: &http.Client{Transport: vt}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	pat, bot := newClient("pat-token"), newClient("ghs-installation")
	for i := 0; i < 120; i++ {
		f.AddComment(4, "someone", fmt.Sprint("chatter ", i))
	}
	f.AddComment(4, "octocat", Marker("default")+"\nold")
	f.AddComment(4, "octocat", Marker("default")+"\nduplicate")
	steps := []func() error{
		func() error { _, err := pat.StickyComment(ctx, repo, 4, "default", "update", ModeUpdate); return err },
		func() error {
			_, err := pat.StickyComment(ctx, repo, 4, "default", "recreate", ModeRecreate)
			return err
		},
		func() error {
			_, err := pat.StickyComment(ctx, repo, 4, "default", "hide", ModeHidePrevious)
			return err
		},
		func() error { _, err := bot.StickyComment(ctx, repo, 4, "bot", "first", ModeUpdate); return err },
		func() error {
			_, err := bot.StickyIssue(ctx, repo, "drift", "mlgate", "Drift detected", "3 columns", true)
			return err
		},
		func() error {
			_, err := bot.StickyIssue(ctx, repo, "drift", "mlgate", "Drift detected", "4 columns", true)
			return err
		},
		func() error {
			_, err := bot.StickyIssue(ctx, repo, "drift", "mlgate", "No drift", "all clear", false)
			return err
		},
		func() error {
			// workflow_run from a fork: the pull request is fetched to check it.
			f.AddPull(11, githubfake.Pull{HeadSHA: "abc", HeadRepoID: 5, HeadRepoName: "fork/r"})
			ev := &Event{Name: "workflow_run", HeadSHA: "abc", HeadRepo: &EventRepo{ID: 5, FullName: "fork/r"}}
			return bot.CheckRunPullRequest(ctx, ev, repo, 11)
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	// Racing runs: both create, then one deletes the other's duplicate.
	f.CreateBarrier = githubfake.NewBarrier(2)
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := newClient("ghs-installation").StickyComment(ctx, repo, 8, "race", "x", ModeUpdate); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, r := range vt.rejected {
		t.Errorf("GitHub's REST description rejects %s", r)
	}
	for _, want := range []string{
		"GET /user", "GET /repos/{o}/{r}/issues/{n}/comments", "POST /repos/{o}/{r}/issues/{n}/comments",
		"PATCH /repos/{o}/{r}/issues/comments/{id}", "DELETE /repos/{o}/{r}/issues/comments/{id}",
		"GET /repos/o/r/issues", "POST /repos/o/r/issues", "PATCH /repos/{o}/{r}/issues/{n}",
		"GET /repos/{o}/{r}/pulls/{n}",
	} {
		if !vt.checked[want] {
			t.Errorf("no %s request was validated", want)
		}
	}

	// The validator itself must be able to fail.
	req, _ := http.NewRequest(http.MethodPost, f.URL()+"/repos/o/r/issues/1/comments", bytes.NewReader([]byte(`{"text":"no body field"}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	vt.rejected = nil
	resp, err := vt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(vt.rejected) != 1 {
		t.Fatal("prism accepted a comment without its required body")
	}
}

// onlyResponseViolations says prism's answer faults only the response it
// generated itself (its examples of pulls/{n} break the description's
// requested_teams schema), not the request.
func onlyResponseViolations(answer []byte) bool {
	var v struct {
		Validation []struct {
			Location []string `json:"location"`
		} `json:"validation"`
	}
	if json.Unmarshal(answer, &v) != nil || len(v.Validation) == 0 {
		return false
	}
	for _, x := range v.Validation {
		if len(x.Location) == 0 || x.Location[0] != "response" {
			return false
		}
	}
	return true
}
