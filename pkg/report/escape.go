package report

import (
	"net/url"

	"github.com/mlgate/mlgate/pkg/actions"
	"strings"
	"unicode"
	"unicode/utf8"
)

// markdownEscaper escapes every character that markdown or GitHub gives meaning
// to inside a table cell or a paragraph, HTML included. "@" and "#" are followed
// by a zero-width joiner: GitHub finds mentions and issue references in the
// rendered text, after entities and backslash escapes are gone, so only a
// character between the sign and the name stops them.
var markdownEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "{", `\{`, "}", `\}`,
	"[", `\[`, "]", `\]`, "(", `\(`, ")", `\)`, "#", "#\u200d", "+", `\+`,
	"-", `\-`, ".", `\.`, "!", `\!`, "|", `\|`, "~", `\~`, ">", "&gt;", "<", "&lt;",
	"&", "&amp;", `"`, "&quot;", "'", "&#39;", "@", "@\u200d", ":", "&#58;",
	"$", `\$`,
)

// Escape makes untrusted text (column, metric and file names, policy messages)
// safe inside markdown: in a paragraph or a table cell it shows as literal text,
// cannot break out of the table, open HTML, mention anyone, link an issue,
// reorder the text around it (bidi controls) or inject workflow commands when
// the same text reaches a log.
func Escape(s string) string {
	return markdownEscaper.Replace(oneLine(s))
}

// codeEscaper keeps text inside a code span in a table cell: a look-alike for
// the backtick, an escaped pipe. A backslash already before a pipe is parted
// from it by a zero-width space, so it cannot pair with the escape and leave
// the pipe to split the cell.
var codeEscaper = strings.NewReplacer(`\|`, "\\\u200b\\|", "`", "ˋ", "|", `\|`)

// Code shows untrusted text as inline code. Backticks inside are replaced by a
// look-alike so the span cannot be closed early; pipes are escaped for tables.
// Mentions and HTML are inert inside code spans.
func Code(s string) string {
	s = codeEscaper.Replace(oneLine(s))
	if strings.TrimSpace(s) == "" {
		return "` `"
	}
	return "`" + s + "`"
}

// Plain makes untrusted text safe for a terminal or a log line: control
// characters (ANSI escapes included) and bidi controls become U+FFFD and line
// breaks become spaces, so one value stays on one line and shows what it is.
// Workflow commands are neutralised by actions.SafeLog on the whole output.
func Plain(s string) string { return oneLine(s) }

// oneLine replaces line breaks with spaces and shows every other control,
// format, bidi or default-ignorable character as a visible mark such as
// ⟨U+200B⟩ (actions.Mark), so "acc\u200buracy" cannot pass for "accuracy".
// Tabs become spaces.
func oneLine(s string) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\r' && strings.HasPrefix(s[i:], "\r\n"):
			b.WriteByte(' ')
			size = 2
		case r == '\n' || r == '\r' || r == '\t' || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		case unsafeRune(r):
			b.WriteString(actions.Mark(r))
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// unsafeRune reports whether r must not reach a report verbatim: C0/C1
// controls, invalid UTF-8, line and paragraph separators, the bidi
// embedding, override and isolate controls of "Trojan Source" attacks, and
// every other invisible character (actions.Invisible), zero-width joiner
// included: in untrusted text it only hides things.
func unsafeRune(r rune) bool {
	if actions.Invisible(r) || r == '\u200d' {
		return true
	}
	switch {
	case r == unicode.ReplacementChar:
		return true
	case r < 0x20 || (r >= 0x7f && r < 0xa0):
		return true
	case r == '\u061c', r == '\u200e', r == '\u200f', r == '\u2028', r == '\u2029':
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// SafeURL returns u when it is an absolute https URL, percent-encoded so that it
// cannot end a markdown link early, and "" otherwise: links in reports point
// only where a reviewer can safely click.
func SafeURL(u string) string {
	parsed, err := url.Parse(strings.TrimSpace(u))
	if err != nil || parsed.Scheme != "https" || parsed.Host == "" || parsed.User != nil {
		return ""
	}
	return urlEscaper.Replace(parsed.String())
}

// urlEscaper percent-encodes what could end a markdown link or a table cell.
var urlEscaper = strings.NewReplacer("@", "%40", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E", " ", "%20",
	`"`, "%22", "'", "%27", "`", "%60", "|", "%7C", "[", "%5B", "]", "%5D")

// knownHosts are where links mlgate labels itself (a transparency-log
// entry) may go without showing the host.
var knownHosts = map[string]bool{
	"search.sigstore.dev": true, "search.sigstage.dev": true,
	"rekor.sigstore.dev": true, "rekor.sigstage.dev": true, "github.com": true,
}

// knownHost: the hosts above, and Rekor log shards (log2025-1.rekor.sigstore.dev).
func knownHost(host string) bool {
	return knownHosts[host] || strings.HasSuffix(host, ".rekor.sigstore.dev") || strings.HasSuffix(host, ".rekor.sigstage.dev")
}

// KnownLink is Link for a label that vouches for where it leads: when the
// URL's host is not one mlgate knows, the host is shown beside the link so
// the label cannot pass another site off as the transparency log.
func KnownLink(label, u string) string {
	safe := SafeURL(u)
	if safe == "" {
		return label
	}
	parsed, _ := url.Parse(safe)
	if host := strings.ToLower(parsed.Hostname()); !knownHost(host) || parsed.Port() != "" {
		return "[" + label + "](" + safe + ") (on " + Code(parsed.Host) + ")"
	}
	return "[" + label + "](" + safe + ")"
}

// Link renders a markdown link to an untrusted URL with our own label, or the
// label alone when the URL is not safe.
func Link(label, u string) string {
	if safe := SafeURL(u); safe != "" {
		return "[" + label + "](" + safe + ")"
	}
	return label
}
