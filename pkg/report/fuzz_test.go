package report

import (
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mlgate/mlgate/pkg/actions"
	"github.com/mlgate/mlgate/pkg/evidence"
)

// FuzzMapKeys puts the input in the evidence's map keys (signer.github,
// decidedBy) and checks the report stays inert.
func FuzzMapKeys(f *testing.F) {
	for _, h := range hostile {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, s string) {
		docs := []*evidence.Document{
			newDoc(evidence.KindSignature, "m", evidence.SignatureDetails{Format: "f",
				Signer: &evidence.Signer{Identity: "i", GitHub: map[string]string{s: "v", "ref": s}}}),
			newDoc(evidence.KindDataValidation, "d", evidence.ValidationDetails{Contract: "c", DecidedBy: map[string]int{s: 1}}),
		}
		for _, d := range docs {
			d.Finish(time.Now())
		}
		checkInert(t, Build(docs, Options{}))
		for _, d := range docs {
			if text := Text(d); strings.ContainsFunc(text, func(r rune) bool { return r != '\n' && actions.Invisible(r) }) {
				t.Fatalf("text report of key %q keeps an invisible character: %q", s, text)
			}
		}
	})
}

// activeMarkdown is what markdown would act on in escaped text: HTML, code,
// links, emphasis (an underscore only at a word's edge), pipes, entities.
var activeMarkdown = regexp.MustCompile("<[A-Za-z/!?]|[`\\[\\]*|~$]|&(#|[A-Za-z0-9])|(^|[^A-Za-z0-9\\x{80}-\\x{10FFFF}])_|_($|[^A-Za-z0-9\\x{80}-\\x{10FFFF}])")

// FuzzEscape checks that no input escapes its table cell or code span: no raw
// line break, pipe, angle bracket, mention, issue reference or bidi control.
func FuzzEscape(f *testing.F) {
	for _, h := range hostile {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// Bounded: a call past 10s of wall time on a loaded machine takes the
		// fuzzing worker down.
		if len(s) > 64<<10 {
			t.Skip()
		}
		for name, out := range map[string]string{"Escape": Escape(s), "Code": Code(s)} {
			if strings.ContainsAny(out, "\n\r\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069") {
				t.Fatalf("%s(%q) = %q keeps a line break or bidi control", name, s, out)
			}
			if countCells("|"+out+"|") != 1 {
				t.Fatalf("%s(%q) = %q splits a table cell", name, s, out)
			}
		}
		for name, out := range map[string]string{"Escape": Escape(s), "Code": Code(s), "Plain": Plain(s)} {
			// Only the zero-width characters the escaping adds itself remain.
			own := strings.ReplaceAll(out, "\\\u200b\\|", "")
			if i := strings.IndexFunc(own, func(r rune) bool { return actions.Invisible(r) || r == '\u200d' }); i >= 0 {
				t.Fatalf("%s(%q) = %q keeps an invisible character at %d", name, s, out, i)
			}
		}
		esc := Escape(s)
		if bare := strings.ReplaceAll(bareMarkdown(esc), "`code`", ""); activeMarkdown.MatchString(bare) || mentionOrRef.MatchString(bare) || strings.Contains(bare, "://") {
			t.Fatalf("Escape(%q) = %q leaves HTML, code, a link or a mention: %q", s, esc, bare)
		}
		code := Code(s)
		if bareMarkdown(code) != "`code`" {
			t.Fatalf("Code(%q) = %q is not one code span", s, code)
		}
	})
}

// FuzzTruncateMarkdown checks the cut is within the limit, valid UTF-8 when
// the input is, and leaves no fence or details block open.
func FuzzTruncateMarkdown(f *testing.F) {
	f.Add("<details><summary>x</summary>\n\n```text\na\nb\n```\n</details>\n", 30)
	f.Add("| a | b |\n|---|---|\n| 1 | 2 |\n", 12)
	f.Fuzz(func(t *testing.T, s string, max int) {
		// Bounded: a call past 10s of wall time on a loaded machine takes the
		// fuzzing worker down.
		if len(s) > 64<<10 {
			t.Skip()
		}
		if max < 0 || max > 1<<16 {
			return
		}
		got := TruncateMarkdown(s, max)
		if len(s) <= max {
			if got != s {
				t.Fatal("text under the limit changed")
			}
			return
		}
		if len(got) > max {
			t.Fatalf("got %d bytes, max %d", len(got), max)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatal("cut inside a character")
		}
		if got != "" && closers(got) != "" {
			t.Fatalf("blocks left open in %q", got)
		}
	})
}
