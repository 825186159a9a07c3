package oci

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
)

// OPA policies in a registry, as `conftest push` stores them (one layer per
// Rego or data file, named by its title annotation) or as OPA's bundle
// downloader reads them (the `opa build` tarball as one
// application/vnd.oci.image.layer.v1.tar+gzip layer).
const (
	PolicyConfigType    = "application/vnd.cncf.openpolicyagent.config.v1+json"
	PolicyRegoLayerType = "application/vnd.cncf.openpolicyagent.policy.layer.v1+rego"
	PolicyDataLayerType = "application/vnd.cncf.openpolicyagent.data.layer.v1+json"
	// unknownConfigType is the config conftest push writes (oras's default).
	unknownConfigType    = "application/vnd.unknown.config.v1+json"
	maxPolicyLayerBytes  = 64 << 20
	maxPolicyTotalLayers = 10_000
	// An opa build tarball unpacks to at most this much, in this many files.
	maxBundleUnpacked = 256 << 20
	maxBundleFiles    = 10_000
)

// PolicyBundle is a policy pulled from a registry: the manifest digest that
// names it and the files written.
type PolicyBundle struct {
	Digest string
	Rego   []string
	Data   []string
}

// PullPolicy writes the Rego and data files of a conftest-pushed policy
// into dir (new or empty), each checked against its layer digest; paths that
// would leave dir and layers of other types are refused.
func PullPolicy(ctx context.Context, c *Client, desc ocispec.Descriptor, dir string) (*PolicyBundle, error) {
	m, err := fetchManifest(ctx, c, desc)
	if err != nil {
		return nil, err
	}
	switch m.Config.MediaType {
	case PolicyConfigType, unknownConfigType, ocispec.MediaTypeEmptyJSON, ocispec.MediaTypeImageConfig:
	default:
		return nil, fmt.Errorf("%s is not an OPA policy bundle (config media type %q)", desc.Digest, m.Config.MediaType)
	}
	if len(m.Layers) == 1 && m.Layers[0].MediaType == ocispec.MediaTypeImageLayerGzip {
		root, err := openEmptyDir(dir, "pull policy")
		if err != nil {
			return nil, err
		}
		defer root.Close()
		return unpackBundle(ctx, c, desc, m.Layers[0], root)
	}
	if len(m.Layers) == 0 || len(m.Layers) > maxPolicyTotalLayers {
		return nil, fmt.Errorf("policy %s has %d layers", desc.Digest, len(m.Layers))
	}
	root, err := openEmptyDir(dir, "pull policy")
	if err != nil {
		return nil, err
	}
	defer root.Close()
	out := &PolicyBundle{Digest: desc.Digest.String()}
	seen := map[string]bool{}
	for i, l := range m.Layers {
		p, err := localPath(l.Annotations[ocispec.AnnotationTitle])
		if err != nil {
			return nil, fmt.Errorf("policy %s: layer %d (%s): %w", desc.Digest, i, l.Digest, err)
		}
		if seen[p] {
			return nil, fmt.Errorf("policy %s: two layers claim the file %q", desc.Digest, p)
		}
		seen[p] = true
		if l.Size > maxPolicyLayerBytes {
			return nil, fmt.Errorf("policy %s: layer %q is %d bytes, more than %d", desc.Digest, p, l.Size, maxPolicyLayerBytes)
		}
		switch l.MediaType {
		case PolicyRegoLayerType:
			if path.Ext(p) != ".rego" {
				return nil, fmt.Errorf("policy %s: Rego layer %q is not a .rego file", desc.Digest, p)
			}
			out.Rego = append(out.Rego, p)
		case PolicyDataLayerType:
			out.Data = append(out.Data, p)
		default:
			return nil, fmt.Errorf("policy %s: layer %q has media type %q, not Rego or data", desc.Digest, p, l.MediaType)
		}
		if err := pullLayer(ctx, c, root, p, l); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// unpackBundle writes the Rego and data files of an `opa build` tarball,
// after checking the whole layer against its digest; anything but regular
// files and folders, a path that would leave the folder, a repeated path and
// a tarball that unpacks to too much are refused.
func unpackBundle(ctx context.Context, c *Client, desc, l ocispec.Descriptor, root *os.Root) (*PolicyBundle, error) {
	if l.Size > maxPolicyLayerBytes {
		return nil, fmt.Errorf("policy %s: bundle layer is %d bytes, more than %d", desc.Digest, l.Size, maxPolicyLayerBytes)
	}
	data, err := content.FetchAll(ctx, c.Repo, l) // checks size and digest
	if err != nil {
		return nil, fmt.Errorf("policy %s: bundle layer %s: %w", desc.Digest, l.Digest, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("policy %s: bundle layer is not gzip: %w", desc.Digest, err)
	}
	out := &PolicyBundle{Digest: desc.Digest.String()}
	tr := tar.NewReader(zr)
	seen := map[string]bool{}
	var total int64
	for files := 0; ; files++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("policy %s: bundle tarball: %w", desc.Digest, err)
		}
		if files >= maxBundleFiles {
			return nil, fmt.Errorf("policy %s: bundle has more than %d entries", desc.Digest, maxBundleFiles)
		}
		if h.Typeflag == tar.TypeDir {
			continue
		}
		p, err := localPath(strings.TrimPrefix(h.Name, "/")) // opa build writes /data.json
		if err != nil {
			return nil, fmt.Errorf("policy %s: bundle entry: %w", desc.Digest, err)
		}
		if h.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("policy %s: bundle entry %q is not a regular file", desc.Digest, p)
		}
		if seen[p] {
			return nil, fmt.Errorf("policy %s: bundle has %q twice", desc.Digest, p)
		}
		seen[p] = true
		if total += h.Size; h.Size < 0 || total > maxBundleUnpacked {
			return nil, fmt.Errorf("policy %s: bundle unpacks to more than %d bytes", desc.Digest, maxBundleUnpacked)
		}
		switch base := path.Base(p); {
		case path.Ext(p) == ".rego":
			out.Rego = append(out.Rego, p)
		case base == "data.json" || base == "data.yaml":
			out.Data = append(out.Data, p)
		default:
			continue // .manifest, signatures, wasm: not read by the gate
		}
		if err := writeEntry(root, p, tr, h.Size); err != nil {
			return nil, fmt.Errorf("policy %s: %w", desc.Digest, err)
		}
	}
	if len(out.Rego) == 0 {
		return nil, fmt.Errorf("policy %s: the bundle holds no Rego file", desc.Digest)
	}
	return out, nil
}

func writeEntry(root *os.Root, p string, r io.Reader, size int64) error {
	if d := path.Dir(p); d != "." {
		if err := root.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	f, err := root.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = io.CopyN(f, r, size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
