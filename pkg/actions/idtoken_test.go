package actions

import (
	"context"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/sigstoretest"
)

// TestIDToken fetches the token through go-githubactions from a local
// endpoint that behaves like the GitHub Actions one (bearer request token,
// audience query parameter); the stand-in is the only simulated part.
func TestIDToken(t *testing.T) {
	s := sigstoretest.New(t)
	env := stepEnv(t)
	env["ACTIONS_ID_TOKEN_REQUEST_URL"] = s.OIDCRequestURL
	env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = sigstoretest.RequestToken
	r, out := newRuntime(env)
	tok, err := r.IDToken(context.Background(), "sigstore")
	if err != nil {
		t.Fatal(err)
	}
	if tok != sigstoretest.IDToken() {
		t.Fatalf("token %q", tok)
	}
	if !strings.Contains(out.String(), "::add-mask::"+tok) {
		t.Fatalf("the token was not masked: %q", out.String())
	}
	env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = "wrong"
	if _, err := r.IDToken(context.Background(), "sigstore"); err == nil || !strings.Contains(err.Error(), "HTTP 401") {
		t.Fatalf("a rejected request token must fail with the status, got %v", err)
	}
	delete(env, "ACTIONS_ID_TOKEN_REQUEST_URL")
	if _, err := r.IDToken(context.Background(), "sigstore"); err == nil || !strings.Contains(err.Error(), "id-token: write") {
		t.Fatalf("a job without the permission must be told so, got %v", err)
	}
}
