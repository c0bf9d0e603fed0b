package report

// textWidth estimates the width of s set in the charts' sans-serif at
// size px. The advance widths are DejaVu Sans's (what Chromium on Debian
// draws system-ui with), wider than Helvetica's or Segoe UI's, so a layout
// that fits by this estimate fits in those fonts too.
func textWidth(s string, size float64) float64 {
	var em float64
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r == '$', r == '#', r == '+', r == '=', r == '<', r == '>', r == '≥':
			em += 0.637
		case r == ' ', r == ',', r == '.', r == ':', r == ';', r == '!', r == '|':
			em += 0.318
		case r == 'i', r == 'l', r == 'j', r == '\'':
			em += 0.278
		case r == 'f', r == 't', r == 'r', r == '(', r == ')', r == '-', r == '[', r == ']':
			em += 0.39
		case r == 'm' || r == 'w':
			em += 0.97
		case r == '%':
			em += 0.95
		case r == '†' || r == '‡':
			em += 0.5
		case r == 'M' || r == 'W':
			em += 0.9
		case r >= 'A' && r <= 'Z':
			em += 0.74
		default:
			em += 0.62
		}
	}
	return em * size
}
