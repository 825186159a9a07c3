package signing

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// IsMessageSignature tells a single-file bundle (a message signature over
// the file's digest) from a DSSE one (a statement about a model folder).
func IsMessageSignature(bundleJSON []byte) bool {
	var probe struct {
		MessageSignature json.RawMessage `json:"messageSignature"`
	}
	return json.Unmarshal(bundleJSON, &probe) == nil && probe.MessageSignature != nil
}

// IsBundleFile accepts a file that is a Sigstore bundle, so that an output
// replaces a bundle only, never a model file or another document.
func IsBundleFile(path string) error {
	data, err := ReadBundle(path)
	if err != nil {
		return err
	}
	var probe struct {
		MediaType string `json:"mediaType"`
	}
	if json.Unmarshal(data, &probe) != nil || !strings.HasPrefix(probe.MediaType, "application/vnd.dev.sigstore.bundle") {
		return errors.New("it is not a Sigstore bundle")
	}
	return nil
}

// FileArtifact is the artifact of a single-file signature: its digest, and
// the file itself for pure Ed25519, which verifies the whole message in
// memory and so only up to MaxEd25519File bytes.
func FileArtifact(path string, digest []byte) *Artifact {
	return &Artifact{Digest: digest, Open: func() (io.Reader, error) {
		if st, err := os.Stat(path); err == nil && st.Size() > MaxEd25519File {
			return nil, fmt.Errorf("%s is too large to verify a pure Ed25519 signature in memory", path)
		}
		return os.Open(path)
	}}
}
