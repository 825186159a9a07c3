package objstore

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// web reads public files over https with range requests, pinned by If-Match
// to the ETag (or, without one, by If-Unmodified-Since to Last-Modified).
type web struct{ c *http.Client }

func newWeb() *web { return &web{c: &http.Client{}} }

func (w *web) do(ctx context.Context, method, u string, hdr map[string]string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := w.c.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		resp.Body.Close()
		return nil, &statusError{code: resp.StatusCode, msg: "HTTP " + resp.Status}
	}
	return resp, nil
}

func (w *web) stat(ctx context.Context, u string) (int64, string, error) {
	resp, err := w.do(ctx, http.MethodHead, u, nil)
	if err != nil {
		return 0, "", err
	}
	resp.Body.Close()
	if resp.ContentLength < 0 {
		return 0, "", fmt.Errorf("the server does not say the file's size")
	}
	v := resp.Header.Get("ETag")
	if v == "" || strings.HasPrefix(v, "W/") {
		v = "modified " + resp.Header.Get("Last-Modified")
	}
	return resp.ContentLength, v, nil
}

func (w *web) read(ctx context.Context, u, version string, off int64, dst []byte) error {
	hdr := map[string]string{"Range": "bytes=" + strconv.FormatInt(off, 10) + "-" + strconv.FormatInt(off+int64(len(dst))-1, 10)}
	if lm, ok := strings.CutPrefix(version, "modified "); ok {
		if lm != "" {
			hdr["If-Unmodified-Since"] = lm
		}
	} else {
		hdr["If-Match"] = version
	}
	resp, err := w.do(ctx, http.MethodGet, u, hdr)
	if err != nil {
		if httpStatus(err) == http.StatusPreconditionFailed {
			return errChanged
		}
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent {
		return fmt.Errorf("the server ignores range requests (HTTP %d)", resp.StatusCode)
	}
	_, err = io.ReadFull(resp.Body, dst)
	return err
}

func (w *web) list(ctx context.Context, prefix string, fn func(string) error) error {
	return fmt.Errorf("%s: an https:// URL names one file; it cannot be listed", prefix)
}

func (w *web) credentials() string { return "no credentials (public https)" }

func (w *web) close() error { return nil }
