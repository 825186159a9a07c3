package signing

import (
	"crypto/x509"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// certificateSigner describes a certificate's signer: its identity (SAN), OIDC
// issuer and, for GitHub Actions certificates, the workflow claims Fulcio
// recorded, which policies use to require the expected repository and ref.
func certificateSigner(cert *x509.Certificate) evidence.Signer {
	s, err := certificate.SummarizeCertificate(cert)
	if err != nil {
		return evidence.Signer{Identity: cert.Subject.String(), Issuer: cert.Issuer.String()}
	}
	out := evidence.Signer{Identity: s.SubjectAlternativeName, Issuer: s.Issuer}
	if out.Issuer == "" {
		out.Issuer = cert.Issuer.String()
	}
	gh := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			gh[k] = v
		}
	}
	e := s.Extensions
	set("repository", firstNonEmpty(e.GithubWorkflowRepository, strings.TrimPrefix(e.SourceRepositoryURI, "https://github.com/")))
	set("workflow", firstNonEmpty(e.BuildConfigURI, e.GithubWorkflowName))
	set("ref", firstNonEmpty(e.SourceRepositoryRef, e.GithubWorkflowRef))
	set("sha", firstNonEmpty(e.SourceRepositoryDigest, e.GithubWorkflowSHA))
	set("trigger", firstNonEmpty(e.BuildTrigger, e.GithubWorkflowTrigger))
	set("runner", e.RunnerEnvironment)
	set("runInvocation", e.RunInvocationURI)
	if len(gh) > 0 {
		out.GitHub = gh
	}
	return out
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func tlogEntry(index, integrated int64, url func(int64) string) *evidence.TlogEntry {
	e := &evidence.TlogEntry{LogIndex: index}
	if integrated > 0 {
		e.IntegratedTime = time.Unix(integrated, 0).UTC()
	}
	if url != nil {
		e.URL = url(index)
	}
	return e
}
