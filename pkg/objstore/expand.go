package objstore

import (
	"context"
	"fmt"
	"path"
	"strings"
)

// MaxListed bounds the objects one argument may expand to, so a mistyped
// prefix over a huge bucket fails instead of listing it to the end.
const MaxListed = 1_000_000

// Expand turns one data URL into object URLs by listing: a key with glob
// characters (* ? [) matches keys with path.Match semantics (so * does not
// cross a /, and ** matches any depth), a key that is empty or ends in /
// is a prefix contributing its .parquet objects, any other key names one
// object. The result is sorted (listings are) and never empty.
func (s *Store) Expand(ctx context.Context, rawURL string) ([]string, error) {
	l, err := parse(rawURL)
	if err != nil {
		return nil, err
	}
	if l.raw != "" {
		return []string{l.raw}, nil
	}
	glob := strings.ContainsAny(l.key, "*?[")
	if !glob && l.key != "" && !strings.HasSuffix(l.key, "/") {
		return []string{l.String()}, nil
	}
	if glob {
		if _, err := path.Match(l.key, ""); err != nil {
			return nil, fmt.Errorf("bad pattern %q: %w", rawURL, err)
		}
	}
	b, err := s.bucket(ctx, l)
	if err != nil {
		return nil, err
	}
	prefix := l.key
	if glob {
		prefix = l.key[:strings.IndexAny(l.key, "*?[")]
	}
	var out []string
	err = s.retry(ctx, func() error {
		out = out[:0]
		return b.list(ctx, prefix, func(key string) error {
			ok := strings.HasSuffix(key, ".parquet")
			if glob {
				ok = match(l.key, key)
			}
			if ok {
				if len(out) >= MaxListed {
					return fmt.Errorf("%s matches more than %d objects", rawURL, MaxListed)
				}
				out = append(out, location{scheme: l.scheme, bucket: l.bucket, key: key}.String())
			}
			return nil
		})
	})
	if err != nil {
		return nil, s.describe(l.bucketURL()+"/"+prefix, b, err)
	}
	if len(out) == 0 {
		if glob {
			return nil, fmt.Errorf("%q matches no objects", rawURL)
		}
		return nil, fmt.Errorf("%s holds no .parquet objects", rawURL)
	}
	return out, nil
}

// match is path.Match where a ** segment matches any number of segments.
func match(pattern, key string) bool {
	if !strings.Contains(pattern, "**") {
		ok, _ := path.Match(pattern, key)
		return ok
	}
	ps, ks := strings.Split(pattern, "/"), strings.Split(key, "/")
	var rec func(p, k []string) bool
	rec = func(p, k []string) bool {
		for len(p) > 0 {
			if p[0] == "**" {
				for i := 0; i <= len(k); i++ {
					if rec(p[1:], k[i:]) {
						return true
					}
				}
				return false
			}
			if len(k) == 0 {
				return false
			}
			if ok, _ := path.Match(p[0], k[0]); !ok {
				return false
			}
			p, k = p[1:], k[1:]
		}
		return len(k) == 0
	}
	return rec(ps, ks)
}
