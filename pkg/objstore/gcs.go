package objstore

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

// gcs reads a Google Cloud Storage bucket through the JSON API over plain
// HTTP: one metadata GET per object, ranged alt=media GETs conditional on
// the generation first seen (ifGenerationMatch), and paged listings.
//
// Why not cloud.google.com/go/storage: for these three calls it linked gRPC
// with its xDS resolver, Envoy's protos and OpenTelemetry's metric exporter:
// 182 of the binary's 1,434 packages and 27.6 of its 123.6 MB (README,
// Performance). Credentials come from golang.org/x/oauth2/google, the same
// application-default search the SDK does (external_account included).
type gcs struct {
	c      *http.Client
	base   string // https://storage.googleapis.com, or the emulator's URL
	bucket string
	creds  string
}

// gcsPageSize is the listing page size (GCS's maximum and default).
const gcsPageSize = 1000

// openGCS opens a GCS bucket with Google's application-default credentials
// (GOOGLE_APPLICATION_CREDENTIALS, including workload identity federation
// configs written by google-github-actions/auth, gcloud's, or the metadata
// server), or the emulator of STORAGE_EMULATOR_HOST.
func openGCS(ctx context.Context, bucket string, opts Options) (backend, error) {
	g := &gcs{c: &http.Client{}, base: "https://storage.googleapis.com", bucket: bucket}
	switch host := os.Getenv("STORAGE_EMULATOR_HOST"); {
	case host != "":
		g.creds = "the emulator at STORAGE_EMULATOR_HOST (no credentials)"
		g.base = strings.TrimSuffix(host, "/")
		if !strings.Contains(g.base, "://") {
			g.base = "http://" + g.base
		}
	case opts.Anonymous:
		g.creds = "no credentials (anonymous access)"
	default:
		g.creds = "Google application-default credentials"
		if f := os.Getenv("GOOGLE_APPLICATION_CREDENTIALS"); f != "" {
			g.creds += " from GOOGLE_APPLICATION_CREDENTIALS (" + f + ")"
		}
		// The token source refreshes with this context and outlives Open's.
		ctx = context.WithoutCancel(ctx)
		gc, err := google.FindDefaultCredentials(ctx, "https://www.googleapis.com/auth/devstorage.read_only")
		if err != nil {
			return nil, fmt.Errorf("gs://%s: no %s: %w", bucket, g.creds, err)
		}
		g.c = oauth2.NewClient(ctx, gc.TokenSource)
	}
	return g, nil
}

// object is the URL of key's metadata (alt=media: its bytes).
func (g *gcs) object(key string, q url.Values) string {
	return g.base + "/storage/v1/b/" + url.PathEscape(g.bucket) + "/o/" + url.PathEscape(key) + "?" + q.Encode()
}

// get sends a GET and turns any status but 200 and 206 into a *statusError.
func (g *gcs) get(ctx context.Context, u string, hdr http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := g.c.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent {
		defer resp.Body.Close()
		// GCS explains a refusal in {"error":{"message":...}}; keep it short.
		var e struct {
			Error struct{ Message string } `json:"error"`
		}
		msg := "HTTP " + resp.Status
		if json.NewDecoder(io.LimitReader(resp.Body, 4<<10)).Decode(&e) == nil && e.Error.Message != "" {
			msg += ": " + strings.ToValidUTF8(e.Error.Message[:min(len(e.Error.Message), 200)], "")
		}
		return nil, &statusError{code: resp.StatusCode, msg: msg}
	}
	return resp, nil
}

// decode reads a JSON answer of bounded size into v.
func decode(resp *http.Response, v any) error {
	defer resp.Body.Close()
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(v); err != nil {
		return fmt.Errorf("reading the GCS answer: %w", err)
	}
	return nil
}

// int64String is an int64 the JSON API writes as a string.
type int64String int64

func (n *int64String) UnmarshalJSON(b []byte) error {
	v, err := strconv.ParseInt(strings.Trim(string(b), `"`), 10, 64)
	*n = int64String(v)
	return err
}

func (g *gcs) stat(ctx context.Context, key string) (int64, string, error) {
	resp, err := g.get(ctx, g.object(key, url.Values{"fields": {"size,generation"}}), nil)
	if err != nil {
		return 0, "", err
	}
	var a struct {
		Size       int64String `json:"size"`
		Generation int64String `json:"generation"`
	}
	if err := decode(resp, &a); err != nil {
		return 0, "", err
	}
	if a.Size < 0 || a.Generation <= 0 {
		return 0, "", fmt.Errorf("GCS reported size %d and generation %d", a.Size, a.Generation)
	}
	return int64(a.Size), strconv.FormatInt(int64(a.Generation), 10), nil
}

func (g *gcs) read(ctx context.Context, key, version string, off int64, dst []byte) error {
	q := url.Values{"alt": {"media"}, "ifGenerationMatch": {version}}
	hdr := http.Header{
		"Range": {"bytes=" + strconv.FormatInt(off, 10) + "-" + strconv.FormatInt(off+int64(len(dst))-1, 10)},
		// Stored gzip bytes, never transcoded: ranges are of the object.
		"Accept-Encoding": {"gzip"},
	}
	resp, err := g.get(ctx, g.object(key, q), hdr)
	if err != nil {
		if httpStatus(err) == http.StatusPreconditionFailed {
			return errChanged
		}
		return err
	}
	defer resp.Body.Close()
	// Emulators may ignore the condition; the generation served tells.
	if gen := resp.Header.Get("X-Goog-Generation"); gen != "" && gen != version {
		return errChanged
	}
	if resp.StatusCode != http.StatusPartialContent && !(off == 0 && resp.ContentLength == int64(len(dst))) {
		return fmt.Errorf("GCS answered a range request with HTTP %d", resp.StatusCode)
	}
	_, err = io.ReadFull(resp.Body, dst)
	return err
}

func (g *gcs) list(ctx context.Context, prefix string, fn func(string) error) error {
	q := url.Values{"prefix": {prefix}, "maxResults": {strconv.Itoa(gcsPageSize)}, "fields": {"items(name),nextPageToken"}}
	for {
		resp, err := g.get(ctx, g.base+"/storage/v1/b/"+url.PathEscape(g.bucket)+"/o?"+q.Encode(), nil)
		if err != nil {
			return err
		}
		var page struct {
			Items         []struct{ Name string } `json:"items"`
			NextPageToken string                  `json:"nextPageToken"`
		}
		if err := decode(resp, &page); err != nil {
			return err
		}
		for _, o := range page.Items {
			if err := fn(o.Name); err != nil {
				return err
			}
		}
		if page.NextPageToken == "" {
			return nil
		}
		q.Set("pageToken", page.NextPageToken)
	}
}

func (g *gcs) credentials() string { return g.creds }

func (g *gcs) close() error {
	g.c.CloseIdleConnections()
	return nil
}
