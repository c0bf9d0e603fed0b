package report

import (
	"bytes"
	"fmt"
	"html/template"

	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

// Rendered holds both renderings of a run's report.
type Rendered struct {
	// HTML is report.html: one self-contained page.
	HTML []byte
	// Markdown is report.md: the short summary.
	Markdown []byte
}

// Render produces report.html and report.md for a run.
func Render(r risk.Report, m Meta) (Rendered, error) {
	h, err := HTML(r, m)
	if err != nil {
		return Rendered{}, err
	}
	md, err := Markdown(r, m)
	if err != nil {
		return Rendered{}, err
	}
	return Rendered{HTML: h, Markdown: md}, nil
}

// htmlPage is the template's data: the view plus the charts, which are
// built by svgWriter (every text escaped there) and so trusted here.
type htmlPage struct {
	view
	LossChart, SegmentChart, BandChart, GradeChart, ShockChart template.HTML
	LossNote                                                   string
}

// HTML renders report.html. Figures that are missing or not finite show as
// "n/a" with a warning rather than failing: a partial report is more use to
// a reader than none.
func HTML(r risk.Report, m Meta) ([]byte, error) {
	v := newView(r, m)
	p := htmlPage{view: v, LossNote: v.lossNote}
	if v.lossNote == "" {
		p.LossChart = template.HTML(lossChart(v.lossStats, v.Scenarios))
	}
	if v.Shock.Note == "" {
		p.ShockChart = template.HTML(shockChart(v.Shock.stats))
	}
	if len(v.segGroups) > 0 {
		p.SegmentChart = template.HTML(pdBarChart("pd-segment-chart", "Baseline and stressed PD by segment", "segment", v.segGroups, v.targetRate))
	}
	if len(v.bandGroups) > 0 {
		p.BandChart = template.HTML(pdBarChart("pd-band-chart", "Baseline and stressed PD by credit score band (personal loans)", "FICO score band", v.bandGroups, v.targetRate))
	}
	if len(v.gradeGroup) > 0 {
		p.GradeChart = template.HTML(pdBarChart("pd-grade-chart", "Baseline and stressed PD by risk grade (commercial loans)", "risk grade", v.gradeGroup, v.targetRate))
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		return nil, fmt.Errorf("render html report: %w", err)
	}
	return buf.Bytes(), nil
}

var pageTemplate = template.Must(template.New("report.html").Parse(pageHTML))
