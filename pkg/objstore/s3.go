package objstore

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/encoding/httpbinding"
)

// s3 reads an S3 bucket, or a bucket of an S3-compatible server, through
// S3's REST API over plain HTTP: HEAD for the size and ETag, ranged GETs
// conditional on that ETag (If-Match), and ListObjectsV2 pages. Requests are
// signed with the AWS SDK's SigV4 signer, with credentials, region, endpoint
// and CA bundle from the SDK's own configuration loader.
//
// Why not the SDK's S3 client (service/s3, with gocloud.dev/blob around it):
// for these three calls it linked 2.9 MB of machine code and 7.4 MB of the
// binary (README, Performance), while the configuration loader, the
// credential chain and the signer are linked anyway for awskms:// keys.
type s3 struct {
	c      aws.HTTPClient
	cfg    aws.Config
	signer *v4.Signer
	anon   bool
	// base is the bucket's URL: https://BUCKET.s3.REGION.amazonaws.com
	// (virtual-hosted), or ENDPOINT/BUCKET for S3-compatible servers and
	// bucket names that are no DNS label (path style).
	base  string
	creds string
}

// emptySHA256 is the SHA-256 of an empty body, which every request here has.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// dnsBucket matches the bucket names that can be a host name under TLS.
var dnsBucket = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

// openS3 opens an S3 bucket with the AWS SDK's default chain (environment,
// shared config and profiles, SSO, web identity as set up by
// aws-actions/configure-aws-credentials, instance and container roles), and
// the endpoint of Options.Endpoint, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL
// (or the shared config's endpoint_url).
func openS3(ctx context.Context, bucket string, opts Options) (backend, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("s3://%s: loading the AWS configuration: %w", bucket, err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	s := &s3{c: cfg.HTTPClient, cfg: cfg, signer: v4.NewSigner(), anon: opts.Anonymous, creds: "the AWS default credential chain"}
	if s.c == nil {
		s.c = http.DefaultClient
	}
	endpoint := opts.Endpoint
	if endpoint == "" {
		endpoint = s3Endpoint(ctx, cfg)
	}
	switch {
	case endpoint != "":
		// S3-compatible servers address buckets by path.
		s.base = strings.TrimSuffix(endpoint, "/") + "/" + bucket
	case dnsBucket.MatchString(bucket):
		s.base = "https://" + bucket + ".s3." + cfg.Region + "." + awsDomain(cfg.Region)
	default:
		s.base = "https://s3." + cfg.Region + "." + awsDomain(cfg.Region) + "/" + bucket
	}
	if _, err := url.Parse(s.base); err != nil {
		return nil, fmt.Errorf("s3://%s: bad endpoint: %w", bucket, err)
	}
	switch {
	case opts.Anonymous:
		s.creds = "no credentials (anonymous access)"
	case cfg.Credentials == nil:
		s.anon = true
		s.creds = "the AWS default credential chain, which found no credentials"
	default:
		// Name the provider that answered (its Source), never the keys.
		if c, err := cfg.Credentials.Retrieve(ctx); err == nil && c.Source != "" {
			s.creds = "AWS credentials from " + c.Source
		} else if err != nil {
			s.creds = "the AWS default credential chain, which found no credentials"
		}
	}
	return s, nil
}

// s3Endpoint is the S3 endpoint the SDK's configuration names
// (AWS_ENDPOINT_URL_S3, a services section, AWS_ENDPOINT_URL, endpoint_url),
// empty for AWS itself.
func s3Endpoint(ctx context.Context, cfg aws.Config) string {
	type serviceEndpoint interface {
		GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
	}
	for _, src := range cfg.ConfigSources {
		if p, ok := src.(serviceEndpoint); ok {
			if v, found, err := p.GetServiceBaseEndpoint(ctx, "S3"); err == nil && found && v != "" {
				return v
			}
		}
	}
	return aws.ToString(cfg.BaseEndpoint)
}

// awsDomain is the DNS suffix of an AWS region's partition.
func awsDomain(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

// do sends a signed request for path (an object key, or "" for the bucket)
// and turns any status but 200 and 206 into a *statusError.
func (s *s3) do(ctx context.Context, method, key string, q url.Values, hdr http.Header) (*http.Response, error) {
	u, _ := url.Parse(s.base) // checked at open
	if key != "" {
		raw := u.EscapedPath() + "/" + httpbinding.EscapePath(key, false)
		u.Path += "/" + key
		u.RawPath = raw
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if !s.anon {
		c, err := s.cfg.Credentials.Retrieve(ctx)
		if err != nil {
			return nil, fmt.Errorf("getting AWS credentials: %w", err)
		}
		req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
		// S3 takes the path as sent, not escaped a second time.
		err = s.signer.SignHTTP(ctx, c, req, emptySHA256, "s3", s.cfg.Region, time.Now(), func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
		if err != nil {
			return nil, err
		}
	}
	resp, err := s.c.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent {
		defer resp.Body.Close()
		// S3 explains a refusal in <Error><Code/><Message/></Error>.
		var e struct{ Code, Message string }
		msg := "HTTP " + resp.Status
		if xml.NewDecoder(io.LimitReader(resp.Body, 4<<10)).Decode(&e) == nil && e.Code != "" {
			msg += ": " + strings.ToValidUTF8(e.Code+" "+e.Message[:min(len(e.Message), 200)], "")
		}
		if r := resp.Header.Get("X-Amz-Bucket-Region"); r != "" && r != s.cfg.Region {
			msg += " (the bucket is in region " + strings.ToValidUTF8(r[:min(len(r), 40)], "") + "; set AWS_REGION)"
		}
		return nil, &statusError{code: resp.StatusCode, msg: msg}
	}
	return resp, nil
}

func (s *s3) stat(ctx context.Context, key string) (int64, string, error) {
	return restStat(ctx, s.do, "S3", key)
}

func (s *s3) read(ctx context.Context, key, version string, off int64, dst []byte) error {
	return restRead(ctx, s.do, "S3", key, version, off, dst)
}

func (s *s3) list(ctx context.Context, prefix string, fn func(string) error) error {
	q := url.Values{"list-type": {"2"}, "prefix": {prefix}}
	for {
		resp, err := s.do(ctx, http.MethodGet, "", q, nil)
		if err != nil {
			return err
		}
		var page struct {
			Contents              []struct{ Key string }
			IsTruncated           bool
			NextContinuationToken string
		}
		err = xml.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("reading the S3 listing: %w", err)
		}
		for _, o := range page.Contents {
			if err := fn(o.Key); err != nil {
				return err
			}
		}
		if !page.IsTruncated || page.NextContinuationToken == "" {
			return nil
		}
		q.Set("continuation-token", page.NextContinuationToken)
	}
}

func (s *s3) credentials() string { return s.creds }

func (s *s3) close() error {
	if c, ok := s.c.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
	return nil
}
