package report

import (
	"strings"
)

// markdownEscaper escapes every character that markdown or GitHub gives meaning
// to inside a table cell or a paragraph, HTML included. "@" is followed by a
// zero-width joiner so that untrusted text cannot mention people or teams, and
// "#" likewise cannot link issues.
var markdownEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "{", `\{`, "}", `\}`,
	"[", `\[`, "]", `\]`, "(", `\(`, ")", `\)`, "#", `\#`, "+", `\+`,
	"-", `\-`, ".", `\.`, "!", `\!`, "|", `\|`, "~", `\~`, ">", "&gt;", "<", "&lt;",
	"&", "&amp;", `"`, "&quot;", "@", "@\u200d", ":", "&#58;",
	"\r\n", " ", "\n", " ", "\r", " ",
)

// Escape makes untrusted text (column, metric and file names, policy messages)
// safe inside markdown: in a paragraph or a table cell it shows as literal text,
// cannot break out of the table, open HTML, mention anyone or inject workflow
// commands when the same text reaches a log.
func Escape(s string) string {
	return markdownEscaper.Replace(s)
}

// Code shows untrusted text as inline code. Backticks inside are replaced by a
// look-alike so the span cannot be closed early; pipes are escaped for tables.
func Code(s string) string {
	s = strings.NewReplacer("`", "ˋ", "|", `\|`, "\r", " ", "\n", " ").Replace(s)
	if s == "" {
		return "` `"
	}
	return "`" + s + "`"
}
