package report

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mlgate/mlgate/pkg/actions"
)

// Escape makes untrusted text (column, metric and file names, policy messages)
// safe inside markdown: in a paragraph or a table cell it shows as literal text,
// cannot break out of the table, open HTML, link, mention anyone, reference an
// issue, reorder the text around it (bidi controls) or hide characters.
//
// It stays readable as raw markdown (a notification e-mail shows the source):
// only what markdown would act on is escaped, with a backslash, and a word that
// GitHub would turn into a link, a mention or an issue reference (it holds "@",
// "#" before a letter or digit, "GH-" before a digit, "://" or "www.") is shown
// as inline code, where GitHub finds none of them and a copy gives the word back.
func Escape(s string) string {
	words := strings.Split(oneLine(s), " ")
	for i, w := range words {
		if linkish(w) {
			words[i] = Code(w)
		} else {
			words[i] = escapeWord(w)
		}
	}
	return blockSafe(strings.Join(words, " "))
}

// blockSafe escapes the first character when the text would otherwise start
// a heading, list or thematic break, or a workflow command, at the start of a
// line. A leading ">" is left: at worst it quotes, and thresholds (">= 0.9")
// stay readable.
func blockSafe(s string) string {
	if s == "" {
		return s
	}
	if strings.ContainsRune("#-+=:", rune(s[0])) {
		return `\` + s
	}
	digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
	if digits > 0 && digits < len(s) && (s[digits] == '.' || s[digits] == ')') && (digits+1 == len(s) || s[digits+1] == ' ') {
		return s[:digits] + `\` + s[digits:]
	}
	return s
}

// linkish reports whether GitHub could autolink, mention or reference w.
func linkish(w string) bool {
	lower := strings.ToLower(w)
	if strings.Contains(lower, "://") || strings.Contains(lower, "www.") {
		return true
	}
	for i := 0; i+1 < len(w); i++ {
		if (w[i] == '@' || w[i] == '#') && isAlnum(w[i+1]) {
			return true
		}
		if strings.HasPrefix(lower[i:], "gh-") && i+3 < len(w) && w[i+3] >= '0' && w[i+3] <= '9' {
			return true
		}
	}
	return false
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// escapeWord backslash-escapes the characters markdown acts on inside a word:
// code, emphasis (an underscore inside a word cannot emphasise, so it is left
// alone), links, HTML, tables, entities, math. ">" is left alone (see
// blockSafe).
func escapeWord(w string) string {
	var b strings.Builder
	b.Grow(len(w) + 4)
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch c {
		case '\\', '`', '*', '[', ']', '|', '~', '$':
			b.WriteByte('\\')
		case '<':
			// Only "<" before an ASCII letter, "/", "!" or "?" opens HTML or an
			// autolink; "p < 0.05" and "<= 150" stay as they are.
			if i+1 < len(w) && strings.IndexByte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ/!?", w[i+1]) >= 0 {
				b.WriteByte('\\')
			}
		case '_':
			if i == 0 || i == len(w)-1 || !isAlnum(w[i-1]) || !isAlnum(w[i+1]) {
				b.WriteByte('\\')
			}
		case '&':
			// Only an entity reference would be decoded: "&#x202E;", "&lt;".
			if i+1 < len(w) && (w[i+1] == '#' || isAlnum(w[i+1])) {
				b.WriteByte('\\')
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// pipeEscaper escapes pipes for table cells, which GFM splits before it
// parses code spans. A backslash already before a pipe is parted from it by a
// zero-width space, so it cannot pair with the escape and leave the pipe to
// split the cell.
var pipeEscaper = strings.NewReplacer(`\|`, "\\\u200b\\|", "|", `\|`)

// Code shows untrusted text as inline code, which GitHub shows literally (no
// HTML, mentions or links) and a reader can copy: the span is opened and
// closed by one backtick more than the longest run inside, so a backtick in
// the text stays a backtick. Pipes are escaped for tables.
func Code(s string) string {
	s = pipeEscaper.Replace(oneLine(s))
	if strings.TrimSpace(s) == "" {
		return "` `"
	}
	longest := longestBacktickRun(s)
	fence := strings.Repeat("`", longest+1)
	if longest > 0 {
		// A space each side keeps a leading or trailing backtick off the
		// fence; markdown strips exactly one space each side.
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
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

// CodeBlock fences untrusted text as a markdown code block whose fence is
// longer than any run of backticks in it, so nothing inside can close it or
// render as markdown; each line also passes actions.SafeLog.
func CodeBlock(s string) string {
	fence := strings.Repeat("`", max(3, longestBacktickRun(s)+1))
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = actions.SafeLog(l) // the block may be printed to a runner's log
	}
	return fence + "text\n" + strings.Join(lines, "\n") + "\n" + fence + "\n"
}

// longestBacktickRun is the longest run of backticks in s: a code span or
// block fenced by one more cannot be closed from inside.
func longestBacktickRun(s string) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}
