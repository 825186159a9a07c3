// Package oci keeps models, signatures, attestations and policies in OCI
// registries: `oci://REGISTRY/REPO[:TAG|@sha256:...]` references, CNCF
// ModelPack push and pull, and Sigstore bundles stored as OCI 1.1 referrers
// the way cosign's new bundle format stores them.
package oci

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/retry"
)

// Scheme prefixes a registry reference on the command line.
const Scheme = "oci://"

// IsReference says whether a command argument names a registry artifact.
func IsReference(s string) bool { return strings.HasPrefix(s, Scheme) }

// Reference is a parsed `oci://REGISTRY/REPO[:TAG|@DIGEST]`.
type Reference struct {
	registry.Reference
}

// ParseReference parses an oci:// reference; the tag or digest is optional
// (Reference.Reference is then empty).
func ParseReference(s string) (Reference, error) {
	if !IsReference(s) {
		return Reference{}, fmt.Errorf("registry reference %q must start with %s", s, Scheme)
	}
	r, err := registry.ParseReference(strings.TrimPrefix(s, Scheme))
	if err != nil {
		return Reference{}, fmt.Errorf("registry reference %q: %w", s, err)
	}
	return Reference{r}, nil
}

// HasDigest says whether the reference pins a digest (not a tag, which can move).
func (r Reference) HasDigest() bool { _, err := r.Digest(); return err == nil }

func (r Reference) String() string { return Scheme + r.Reference.String() }

// Options say how to reach a registry.
type Options struct {
	// Insecure allows plain HTTP to a registry that is not on loopback.
	// Loopback registries are always spoken to in plain HTTP.
	Insecure bool
	// Credentials finds a login for a registry; nil means the ecosystem's
	// default: docker config and its credential helpers, then GITHUB_TOKEN for
	// ghcr.io, else anonymous.
	Credentials auth.CredentialFunc
	// Transfer, when set, counts the bytes sent and received.
	Transfer *Transfer
	// Getenv reads the environment (DOCKER_CONFIG, HOME, GITHUB_TOKEN,
	// GITHUB_ACTOR) for the default credentials; nil means os.Getenv.
	Getenv func(string) string
}

// Transfer counts the bytes a client sent and received (bodies only).
type Transfer struct{ Sent, Received atomic.Int64 }

// Client talks to one repository.
type Client struct {
	Repo *remote.Repository
	Ref  Reference
}

// NewClient opens the repository a reference names.
func NewClient(ref Reference, opts Options) (*Client, error) {
	repo, err := remote.NewRepository(ref.Registry + "/" + ref.Repository)
	if err != nil {
		return nil, err
	}
	repo.PlainHTTP = opts.Insecure || isLoopback(ref.Registry)
	// Without the referrers API a new referrer rewrites the referrers tag's
	// index; deleting the old index fails where deletes are off (the
	// distribution registry's default), so it is left, as cosign leaves it.
	repo.SkipReferrersGC = true
	cred := opts.Credentials
	if cred == nil {
		getenv := opts.Getenv
		if getenv == nil {
			getenv = os.Getenv
		}
		cred, err = DefaultCredentials(getenv)
		if err != nil {
			return nil, err
		}
	}
	var rt http.RoundTripper = retry.DefaultClient.Transport
	if opts.Transfer != nil {
		rt = &countingTransport{next: rt, t: opts.Transfer}
	}
	repo.Client = &auth.Client{
		Client:     &http.Client{Transport: rt},
		Cache:      auth.NewCache(),
		Credential: cred,
		Header:     http.Header{"User-Agent": {"mlgate"}},
	}
	return &Client{Repo: repo, Ref: ref}, nil
}

// DefaultCredentials reads logins the way docker, oras and cosign do (the
// docker config file and its credential helpers); for ghcr.io without a
// stored login it uses GITHUB_TOKEN, as a GitHub Actions job has it;
// otherwise it is anonymous.
func DefaultCredentials(getenv func(string) string) (auth.CredentialFunc, error) {
	dir := getenv("DOCKER_CONFIG")
	if dir == "" && filepath.IsAbs(getenv("HOME")) {
		dir = filepath.Join(getenv("HOME"), ".docker")
	}
	// Never a relative folder: a config in the working tree (from a pull
	// request) could name a credential helper to run.
	var docker auth.CredentialFunc
	if filepath.IsAbs(dir) {
		store, err := credentials.NewStore(filepath.Join(dir, "config.json"), credentials.StoreOptions{})
		if err != nil {
			return nil, fmt.Errorf("reading registry logins: %w", err)
		}
		docker = credentials.Credential(store)
	}
	return func(ctx context.Context, hostport string) (auth.Credential, error) {
		if docker != nil {
			c, err := docker(ctx, hostport)
			if err != nil || c != auth.EmptyCredential {
				return c, err
			}
		}
		if tok := getenv("GITHUB_TOKEN"); tok != "" && hostport == "ghcr.io" {
			user := getenv("GITHUB_ACTOR")
			if user == "" {
				user = "x-access-token"
			}
			return auth.Credential{Username: user, Password: tok}, nil
		}
		return auth.EmptyCredential, nil
	}, nil
}

// isLoopback says whether host:port is on this machine.
func isLoopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

type countingTransport struct {
	next http.RoundTripper
	t    *Transfer
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.ContentLength > 0 {
		c.t.Sent.Add(req.ContentLength)
	}
	resp, err := c.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &countingBody{ReadCloser: resp.Body, n: &c.t.Received}
	return resp, nil
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
