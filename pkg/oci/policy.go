package oci

import (
	"context"
	"fmt"
	"path"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// OPA policies in a registry, as `conftest push` stores them: one layer per
// Rego or data file, named by its title annotation.
const (
	PolicyConfigType    = "application/vnd.cncf.openpolicyagent.config.v1+json"
	PolicyRegoLayerType = "application/vnd.cncf.openpolicyagent.policy.layer.v1+rego"
	PolicyDataLayerType = "application/vnd.cncf.openpolicyagent.data.layer.v1+json"
	// unknownConfigType is the config conftest push writes (oras's default).
	unknownConfigType    = "application/vnd.unknown.config.v1+json"
	maxPolicyLayerBytes  = 64 << 20
	maxPolicyTotalLayers = 10_000
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
	case PolicyConfigType, unknownConfigType, ocispec.MediaTypeEmptyJSON:
	default:
		return nil, fmt.Errorf("%s is not an OPA policy pushed by conftest (config media type %q)", desc.Digest, m.Config.MediaType)
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
