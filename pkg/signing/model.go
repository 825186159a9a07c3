package signing

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// gitPaths are the git metadata model_signing (1.x, --ignore-git-paths, on by
// default) leaves out of a signature and records as ignored, and ignores at
// verify time for signatures that did not record their ignore list.
var gitPaths = []string{".git", ".gitattributes", ".github", ".gitignore"}

// defaultIgnorePaths are left out of a model signature unless asked
// otherwise: model_signing's default, so its verifiers accept mlgate's
// signatures of repositories that carry these files (most on Hugging Face).
var defaultIgnorePaths = gitPaths

// DefaultIgnorePaths returns the paths ignored unless the user says otherwise.
func DefaultIgnorePaths() []string { return append([]string(nil), defaultIgnorePaths...) }

// FailedError is a verification that ran and failed (a bad signature, the wrong
// signer, a manifest that lies), as opposed to one that could not run.
type FailedError struct{ Err error }

func (e *FailedError) Error() string { return e.Err.Error() }
func (e *FailedError) Unwrap() error { return e.Err }

// BundleInside returns the model-relative path of the bundle when it lies
// inside the model folder, so it can be ignored, or "".
func BundleInside(model, bundlePath string) string {
	am, err1 := filepath.Abs(model)
	ab, err2 := filepath.Abs(bundlePath)
	if err1 != nil || err2 != nil {
		return ""
	}
	rel, err := filepath.Rel(am, ab)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return ""
	}
	return filepath.ToSlash(rel)
}

// SignManifest signs a hashed model's statement.
func (s *Signer) SignManifest(ctx context.Context, m *Manifest) (*Signed, error) {
	st, err := m.Statement()
	if err != nil {
		return nil, err
	}
	return s.SignStatement(ctx, st)
}

// ModelOptions are the verifier's choices for a model signature.
type ModelOptions struct {
	// IgnorePaths are extra model-relative paths to ignore; each must have
	// been ignored at signing when the signature records its ignore list.
	IgnorePaths []string
	// BundlePath is the bundle's file, ignored when it lies inside the model.
	BundlePath     string
	IgnoreUnsigned bool
	AllowSymlinks  bool
	Workers        int
}

// ModelVerification is the outcome of verifying a model signature.
type ModelVerification struct {
	*Verified
	Signed   *Manifest
	Local    *Manifest
	Problems []Problem
}

// VerifyModel verifies a model signature bundle against trust and the model
// on disk: the signature, the statement's consistency, then every file. A
// verification that ran and failed returns a *FailedError; problems with
// individual files are listed in Problems, each naming the file.
func VerifyModel(ctx context.Context, model string, bundleJSON []byte, trust Trust, opts ModelOptions) (*ModelVerification, error) {
	v, err := VerifyBundle(bundleJSON, trust, nil)
	if err != nil {
		return nil, err
	}
	if v.Payload == nil {
		return nil, errors.New("bundle holds a message signature, not a model signature: verify the single file it signs")
	}
	if v.PayloadType != InTotoPayloadType {
		return nil, &FailedError{fmt.Errorf("DSSE payload type is %q, want %q", v.PayloadType, InTotoPayloadType)}
	}
	signed, err := ParseStatement(v.Payload)
	if err != nil {
		return nil, &FailedError{err}
	}
	userIgnore, err := CleanIgnorePaths(opts.IgnorePaths)
	if err != nil {
		return nil, err
	}
	var allowed []string
	if rel := BundleInside(model, opts.BundlePath); rel != "" {
		allowed = append(allowed, rel)
	}
	allowed = append(allowed, defaultIgnorePaths...)
	ignore := append(append([]string{}, userIgnore...), allowed...)
	if signed.Recorded {
		ignore = append(ignore, InsideIgnorePaths(signed.IgnorePaths)...)
	} else {
		ignore = append(ignore, gitPaths...)
	}
	local, err := HashModel(ctx, model, HashOptions{
		Method: signed.Method, ShardSize: signed.ShardSize, IgnorePaths: ignore,
		AllowSymlinks: opts.AllowSymlinks || signed.AllowSymlinks, Workers: opts.Workers,
	})
	if err != nil {
		return nil, err
	}
	out := &ModelVerification{Verified: v, Signed: signed, Local: local}
	out.Problems = append(CompareIgnorePaths(signed, userIgnore, allowed), Compare(signed, local, opts.IgnoreUnsigned)...)
	return out, nil
}
