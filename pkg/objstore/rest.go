package objstore

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// doFunc sends one signed request for an object (key) of a REST store (S3,
// Azure Blob) and returns a response with a 2xx status, else an error.
type doFunc func(ctx context.Context, method, key string, q url.Values, hdr http.Header) (*http.Response, error)

// restStat is an object's size and ETag, from a HEAD request.
func restStat(ctx context.Context, do doFunc, service, key string) (int64, string, error) {
	resp, err := do(ctx, http.MethodHead, key, nil, nil)
	if err != nil {
		return 0, "", err
	}
	resp.Body.Close()
	etag := strings.Trim(resp.Header.Get("ETag"), `"`)
	if resp.ContentLength < 0 || etag == "" {
		return 0, "", fmt.Errorf("%s reported no size or no ETag", service)
	}
	return resp.ContentLength, etag, nil
}

// restRead fills dst from offset off of the object, pinned to its ETag
// (version) when set: a changed object is errChanged, never mixed bytes.
func restRead(ctx context.Context, do doFunc, service, key, version string, off int64, dst []byte) error {
	hdr := http.Header{"Range": {"bytes=" + strconv.FormatInt(off, 10) + "-" + strconv.FormatInt(off+int64(len(dst))-1, 10)}}
	if version != "" {
		hdr.Set("If-Match", `"`+version+`"`)
	}
	resp, err := do(ctx, http.MethodGet, key, nil, hdr)
	if err != nil {
		if httpStatus(err) == http.StatusPreconditionFailed {
			return errChanged
		}
		return err
	}
	defer resp.Body.Close()
	// A server that ignores the condition still names what it served.
	if tag := strings.Trim(resp.Header.Get("ETag"), `"`); tag != "" && version != "" && tag != version {
		return errChanged
	}
	if resp.StatusCode != http.StatusPartialContent && !(off == 0 && resp.ContentLength == int64(len(dst))) {
		return fmt.Errorf("%s answered a range request with HTTP %d", service, resp.StatusCode)
	}
	_, err = io.ReadFull(resp.Body, dst)
	return err
}
