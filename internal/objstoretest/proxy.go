package objstoretest

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Fault is what the proxy does to a request instead of passing it on.
type Fault int

const (
	// SlowDown answers 503 with S3's SlowDown error (throttling).
	SlowDown Fault = iota + 1
	// Drop passes the request on but closes the connection halfway
	// through the response body.
	Drop
	// Deny answers 403 AccessDenied.
	Deny
)

// Proxy is a loopback reverse proxy in front of a real server that injects
// faults into chosen requests; the server itself stays real.
type Proxy struct {
	URL      string
	Requests atomic.Int64
	target   *url.URL
	mu       sync.Mutex
	faults   []injected
}

type injected struct {
	left  int
	fault Fault
	match func(*http.Request) bool
}

// NewProxy starts a proxy to target (a server's Endpoint).
func NewProxy(t *testing.T, target string) *Proxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{target: &url.URL{Scheme: u.Scheme, Host: u.Host}}
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Inject gives the next n requests that match (nil: all) the fault.
func (p *Proxy) Inject(n int, f Fault, match func(*http.Request) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = append(p.faults, injected{n, f, match})
}

// Reset drops the faults not yet injected.
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = nil
}

// Ranged matches range reads (GET with a Range header), the data reads.
func Ranged(r *http.Request) bool {
	return r.Method == http.MethodGet && (r.Header.Get("Range") != "" || r.Header.Get("x-ms-range") != "")
}

func (p *Proxy) take(r *http.Request) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.faults {
		f := &p.faults[i]
		if f.left > 0 && (f.match == nil || f.match(r)) {
			f.left--
			return f.fault
		}
	}
	return 0
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	p.Requests.Add(1)
	fault := p.take(r)
	switch fault {
	case SlowDown:
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`)
		return
	case Deny:
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`)
		return
	}
	out := r.Clone(r.Context())
	out.URL.Scheme, out.URL.Host = p.target.Scheme, p.target.Host
	out.RequestURI = ""
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	if fault != Drop || resp.ContentLength < 2 {
		io.Copy(w, resp.Body)
		return
	}
	io.CopyN(w, resp.Body, resp.ContentLength/2)
	rc := http.NewResponseController(w)
	rc.Flush()
	if conn, _, err := rc.Hijack(); err == nil {
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		conn.Close()
	}
}

// Host is the proxy's host:port.
func (p *Proxy) Host() string { return strings.TrimPrefix(p.URL, "http://") }
