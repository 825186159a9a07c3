package report

import (
	"fmt"
	"strings"
)

// minPartialSection is the least room worth filling with the start of a
// section that does not fit whole.
const minPartialSection = 2048

// fit joins head, sections and foot within opts.MaxBytes. When they do not
// fit, sections are kept whole while they fit, the next one is cut at a line
// boundary (its fences and details closed) if enough room is left, and a
// note links to the full report.
func fit(head string, sections []string, foot string, opts Options) string {
	full := head + strings.Join(sections, "") + foot
	if opts.MaxBytes <= 0 || len(full) <= opts.MaxBytes {
		return full
	}
	var b strings.Builder
	b.WriteString(head)
	omitted := len(sections)
	for i, s := range sections {
		note := cutNote(len(sections)-i, opts.FullReportURL)
		if b.Len()+len(s)+len(note)+len(foot) > opts.MaxBytes {
			room := opts.MaxBytes - b.Len() - len(note) - len(foot)
			if room >= minPartialSection {
				if part := TruncateMarkdown(s, room); part != "" {
					b.WriteString(part)
				}
			}
			break
		}
		b.WriteString(s)
		omitted--
	}
	b.WriteString(cutNote(omitted, opts.FullReportURL))
	b.WriteString(foot)
	out := b.String()
	if len(out) > opts.MaxBytes {
		// Only a head or foot larger than the limit gets here.
		return TruncateMarkdown(out, opts.MaxBytes)
	}
	return out
}

// cutNote says what was left out and where the whole report is.
func cutNote(omitted int, url string) string {
	where := "`mlgate report` prints the whole report"
	if safe := SafeURL(url); safe != "" {
		where = "the whole report is in the [job summary](" + safe + ")"
	}
	return fmt.Sprintf("> [!NOTE]\n> This report was cut to fit GitHub's size limit (%s left out or shortened): %s.\n\n",
		plural(omitted, "section", "sections"), where)
}

// TruncateMarkdown cuts markdown to at most max bytes at a line boundary and
// closes what the cut left open (a code fence, <details> blocks), so the rest
// of the page renders as intended.
func TruncateMarkdown(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 {
		i := strings.LastIndexByte(s[:cut], '\n')
		if i < 0 {
			return ""
		}
		part := s[:i+1]
		closing := closers(part)
		if len(part)+len(closing) <= max {
			return part + closing
		}
		cut = i
	}
	return ""
}

// closers returns the lines that close the fence and the <details> blocks
// left open at the end of s. Only our own markup opens them: untrusted text is
// escaped, and fenced text cannot close its fence.
func closers(s string) string {
	fence := ""
	open := 0
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if fence != "" {
			if strings.HasPrefix(t, fence) && strings.Trim(t, "`") == "" {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(t, "```") {
			fence = t[:len(t)-len(strings.TrimLeft(t, "`"))]
			continue
		}
		open += strings.Count(t, "<details>") - strings.Count(t, "</details>")
	}
	var b strings.Builder
	if fence != "" {
		b.WriteString(fence + "\n")
	}
	for ; open > 0; open-- {
		b.WriteString("</details>\n")
	}
	if b.Len() > 0 {
		return "\n" + b.String()
	}
	return ""
}
