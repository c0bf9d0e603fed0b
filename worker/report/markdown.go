package report

import (
	"bytes"
	"strings"
	"unicode"

	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

// Markdown renders report.md: the headline table, the warnings and the
// segment table, for a pull-request comment or a terminal. Strings from
// the run (ids, paths, warnings, segment names) are escaped so they render
// as the text they are, never as links, HTML or table structure.
func Markdown(r risk.Report, m Meta) ([]byte, error) {
	v := newView(r, m)
	var b bytes.Buffer
	b.WriteString("## Loan default stress report")
	if v.RunID != "" {
		b.WriteString(": " + mdCode(v.RunID, false))
	}
	b.WriteString("\n\n" + mdText(v.Subtitle) + "\n\n")

	if len(v.Warnings) > 0 {
		b.WriteString("**Warnings**\n\n")
		for _, w := range v.Warnings {
			b.WriteString("- " + mdText(w) + "\n")
		}
		b.WriteString("\n")
	}

	b.WriteString("| Figure | Value | 95% interval | Share of exposure |\n|---|--:|--:|--:|\n")
	for _, f := range v.Headline {
		name := f.Name
		if f.Flagged {
			name += " †"
		}
		ci := f.CI
		if f.Open {
			ci += " ‡"
		}
		mdRow(&b, name, f.Value, ci, f.OfExposure)
	}
	if v.Indicative {
		b.WriteString("\n† indicative: its tail holds 10 to 99 scenarios.\n")
	}
	if v.Insufficient {
		b.WriteString("\nNot reported: its tail holds fewer than 10 scenarios, too few for a figure (see the warnings).\n")
	}
	if v.OpenCI {
		b.WriteString("\n‡ open-ended: the upper end is only the largest simulated loss; too few scenarios lie beyond the quantile for a distribution-free bound.\n")
	}
	if v.Shock.Summary != "" {
		b.WriteString("\n" + mdText(v.Shock.Summary) + "\n")
	}

	if len(v.Segments) > 0 {
		b.WriteString("\n| Segment | Loans | Exposure | EL | EL rate (exposure) | Loss rate (average balance) | VaR 99% | ES 99% | VaR 99.9% | ES 99.9% | PD baseline | PD stressed | PD baseline by exposure | PD stressed by exposure |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		row := func(name string, s segmentRow) {
			mdRow(&b, name, s.Loans, s.Exposure, s.EL, s.ELRate, s.LossRateAvg, s.VaR99, s.ES99, s.VaR999, s.ES999, s.PDBaseline, s.PDStressed, s.PDBaselineExp, s.PDStressedExp)
		}
		for _, s := range v.Segments {
			row(s.Name, s)
		}
		row("**"+mdCell(v.Total.Name)+"**", v.Total)
		b.WriteString("\n| Segment | EL 95% interval | VaR 99% | ES 99% | VaR 99.9% | ES 99.9% |\n|---|--:|--:|--:|--:|--:|\n")
		ciRow := func(name string, s segmentRow) { mdRow(&b, name, s.ELCI, s.VaR99CI, s.ES99CI, s.VaR999CI, s.ES999CI) }
		for _, s := range v.Segments {
			ciRow(s.Name, s)
		}
		ciRow("**"+mdCell(v.Total.Name)+"**", v.Total)
	} else {
		b.WriteString("\nNo segment had any loans.\n")
	}
	writeAttributionMarkdown(&b, v.Attribution)

	if months, rows := pathTable(v.Paths); len(months) > 0 {
		b.WriteString("\nScenario paths: mean over scenarios (5% to 95% of scenarios) at each quarter end.\n\n| Month")
		for _, p := range v.Paths {
			b.WriteString(" | " + mdCell(p.Title))
		}
		b.WriteString(" |\n|--:" + strings.Repeat("|--:", len(v.Paths)) + "|\n")
		for i, m := range months {
			mdRow(&b, m, rows[i]...)
		}
	}

	b.WriteString("\n")
	var facts []string
	for _, f := range v.Facts {
		val := mdText(f.Value)
		if f.Code {
			val = mdCode(f.Value, false)
		}
		facts = append(facts, mdText(f.Name)+": "+val)
	}
	b.WriteString(strings.Join(facts, " · ") + "\n")
	return b.Bytes(), nil
}

// mdRow writes a table row; the first cell is escaped unless it is already
// markup (the bold total row), the others are formatted numbers.
func mdRow(b *bytes.Buffer, first string, cells ...string) {
	if !strings.HasPrefix(first, "**") {
		first = mdCell(first)
	}
	b.WriteString("| " + first)
	for _, c := range cells {
		b.WriteString(" | " + mdCell(c))
	}
	b.WriteString(" |\n")
}

func mdCell(s string) string { return mdText(s) }

// mdText escapes prose: CommonMark lets any ASCII punctuation be
// backslash-escaped, so every character that could start markup (emphasis,
// links, HTML, autolinks, headings, table pipes) is. An underscore inside a
// word cannot start emphasis in GFM, so "var_999" stays readable.
func mdText(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		switch c {
		case '\\', '`', '*', '[', ']', '<', '>', '|', '~', '&':
			b.WriteByte('\\')
		case '#', '-', '+', '=':
			// Only at the start can these open a heading, a list or a rule.
			if i == 0 {
				b.WriteByte('\\')
			}
		case '_':
			if i == 0 || i == len(r)-1 || !isWordRune(r[i-1]) || !isWordRune(r[i+1]) {
				b.WriteByte('\\')
			}
		}
		b.WriteRune(c)
	}
	// A bare "www." or "scheme://" is an extended autolink in GFM; a
	// zero-width joiner after the first character would also work but
	// hides the text from search, so break the pattern with an escape.
	out := b.String()
	out = strings.ReplaceAll(out, "://", ":\\/\\/")
	out = strings.ReplaceAll(out, "www.", "www\\.")
	return out
}

func isWordRune(c rune) bool { return unicode.IsLetter(c) || unicode.IsDigit(c) }

// mdCode writes s as a code span, which shows its text literally. The fence
// is one backtick longer than any run of backticks in s. In a table a pipe
// must still be escaped, even inside a code span (GFM tables extension).
func mdCode(s string, inTable bool) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	if inTable {
		s = strings.ReplaceAll(s, "|", "\\|")
	}
	fence := strings.Repeat("`", longest+1)
	if s == "" || strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}
