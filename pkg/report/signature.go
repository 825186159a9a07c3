package report

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/numfmt"
)

// rekorSearch is where a log index is looked up when the entry carries no URL.
const rekorSearch = "https://search.sigstore.dev/?logIndex="

// signatureField is one row of a signature's key/value table. The name may
// hold a key from the evidence (GitHub claims): it is escaped when shown.
type signatureField struct{ name, markdown, text string }

// signatureFields lists what a release engineer checks: the digest, who signed
// (key or certificate identity and issuer, with the GitHub claims) and where
// the transparency log recorded it.
func signatureFields(doc *evidence.Document, d evidence.SignatureDetails) []signatureField {
	var f []signatureField
	add := func(name, md, text string) { f = append(f, signatureField{name, md, text}) }
	add("Format", Escape(d.Format), Plain(d.Format))
	if d.PredicateType != "" {
		add("Predicate type", Code(d.PredicateType), Plain(d.PredicateType))
	}
	for _, dg := range digestList(d.Digest) {
		add("Digest", Code(dg), Plain(dg))
	}
	if d.Files > 0 {
		n := numfmt.Count(int64(d.Files))
		add("Files", n, n)
	}
	if s := d.Signer; s != nil {
		if s.Identity != "" {
			add("Signer", Code(s.Identity), Plain(s.Identity))
		}
		if s.Issuer != "" {
			add("Issuer", Code(s.Issuer), Plain(s.Issuer))
		}
		if s.Key != "" {
			add("Key", Code(s.Key), Plain(s.Key))
		}
		claims := make([]string, 0, len(s.GitHub))
		for k := range s.GitHub {
			claims = append(claims, k)
		}
		sort.Strings(claims)
		for _, k := range claims {
			add("GitHub "+k, Code(s.GitHub[k]), Plain(s.GitHub[k]))
		}
	}
	if t := d.Tlog; t != nil {
		u := t.URL
		if u == "" {
			u = rekorSearch + strconv.FormatInt(t.LogIndex, 10)
		}
		label := "entry " + strconv.FormatInt(t.LogIndex, 10)
		when := ""
		if !t.IntegratedTime.IsZero() {
			when = ", integrated " + t.IntegratedTime.UTC().Format(time.RFC3339)
		}
		text := label + when
		if safe := SafeURL(u); safe != "" {
			text += " " + safe
		}
		add("Transparency log", KnownLink(label, u)+when, text)
	} else if doc.Kind != evidence.KindVerification {
		add("Transparency log", "not recorded", "not recorded")
	}
	if d.Bundle != "" {
		add("Bundle", Code(d.Bundle), Plain(d.Bundle))
	}
	return f
}

func signatureMarkdown(b *strings.Builder, doc *evidence.Document) bool {
	var d evidence.SignatureDetails
	if doc.DetailsAs(&d) != nil {
		return false
	}
	fields := signatureFields(doc, d)
	rows := make([][]string, 0, len(fields))
	for _, f := range fields {
		rows = append(rows, []string{Escape(f.name), f.markdown})
	}
	mdTable(b, []string{"Field", "Value"}, rows)
	return true
}

func signatureText(w *textOut, doc *evidence.Document) bool {
	var d evidence.SignatureDetails
	if doc.DetailsAs(&d) != nil {
		return false
	}
	// One field a line: digests and paths are too long to share a line.
	for _, f := range signatureFields(doc, d) {
		w.field(Plain(f.name), f.text)
	}
	checksText(w, doc.Checks)
	return true
}
