package report

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// paramsSection matches the model parameter table, which lists every field
// of model.Params: the golden pages leave it out so a new model parameter
// does not break this package's tests (TestParameterTable covers it).
var paramsSection = regexp.MustCompile(`(?s)<section aria-labelledby="params-h">.*?</section>\n`)

func TestGoldenPages(t *testing.T) {
	t.Parallel()
	out, err := Render(fixtureReport(), fixtureMeta())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file string
		got  []byte
	}{
		{"report.html.golden", paramsSection.ReplaceAll(out.HTML, nil)},
		{"report.md.golden", out.Markdown},
	} {
		path := filepath.Join("testdata", tc.file)
		if *update {
			if err := os.WriteFile(path, tc.got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("read golden file (run go test -update to create it): %v", err)
		}
		if !bytes.Equal(tc.got, want) {
			t.Errorf("%s differs from the rendering; if the change is intended, run go test ./worker/report -update and review the diff", path)
		}
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	t.Parallel()
	a, err := Render(fixtureReport(), fixtureMeta())
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		b, err := Render(fixtureReport(), fixtureMeta())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.HTML, b.HTML) || !bytes.Equal(a.Markdown, b.Markdown) {
			t.Fatal("two renderings of the same input differ")
		}
	}
}

// voidElements have no end tag in HTML.
var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

// checkWellFormed tokenises the page and fails on any end tag that does not
// close the innermost open element, any element left open, or an SVG
// fragment that is not well-formed XML. html.Parse alone would accept
// anything, repairing it silently.
func checkWellFormed(t *testing.T, page []byte) {
	t.Helper()
	z := html.NewTokenizer(bytes.NewReader(page))
	var stack []string
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				t.Fatalf("tokenise: %v", z.Err())
			}
			if len(stack) > 0 {
				t.Fatalf("elements left open at the end: %v", stack)
			}
			goto svg
		case html.StartTagToken:
			name, _ := z.TagName()
			if !voidElements[string(name)] {
				stack = append(stack, string(name))
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if len(stack) == 0 || stack[len(stack)-1] != string(name) {
				t.Fatalf("end tag </%s> does not close the open element (open: %v)", name, stack)
			}
			stack = stack[:len(stack)-1]
		}
	}
svg:
	for _, frag := range regexp.MustCompile(`(?s)<svg .*?</svg>`).FindAll(page, -1) {
		d := xml.NewDecoder(bytes.NewReader(frag))
		d.Strict = true
		for {
			if _, err := d.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("svg fragment is not well-formed XML: %v\n%.300s", err, frag)
			}
		}
	}
	if _, err := html.Parse(bytes.NewReader(page)); err != nil {
		t.Fatalf("parse html: %v", err)
	}
}

// walk calls f on every element of the parsed page.
func walk(t *testing.T, page []byte, f func(n *html.Node)) {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		if n.Type == html.ElementNode {
			f(n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(doc)
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// checkSelfContained fails on anything that would load a resource or run
// code: scripts, external stylesheets, images, frames, any URL-valued
// attribute other than an in-page fragment, event handlers, CSS imports.
func checkSelfContained(t *testing.T, page []byte) {
	t.Helper()
	walk(t, page, func(n *html.Node) {
		switch n.Data {
		case "script", "link", "img", "iframe", "object", "embed", "image", "use", "base":
			t.Errorf("page has a <%s> element", n.Data)
		}
		for _, a := range n.Attr {
			key := strings.ToLower(a.Key)
			if strings.HasPrefix(key, "on") {
				t.Errorf("<%s> has an event handler %s", n.Data, a.Key)
			}
			switch key {
			case "src", "href", "xlink:href", "action", "srcset", "poster", "data", "xmlns":
				if !strings.HasPrefix(a.Val, "#") {
					t.Errorf("<%s %s=%q> refers outside the page", n.Data, a.Key, a.Val)
				}
			}
			if strings.Contains(strings.ToLower(a.Val), "url(") {
				t.Errorf("<%s %s=%q> loads a URL", n.Data, a.Key, a.Val)
			}
		}
	})
	if bytes.Contains(page, []byte("@import")) || bytes.Contains(page, []byte("url(")) {
		t.Error("page CSS imports or loads a URL")
	}
}

func TestHTMLIsWellFormedAndSelfContained(t *testing.T) {
	t.Parallel()
	page, err := HTML(fixtureReport(), fixtureMeta())
	if err != nil {
		t.Fatal(err)
	}
	checkWellFormed(t, page)
	checkSelfContained(t, page)
	for _, s := range []string{"http://", "https://"} {
		if bytes.Contains(page, []byte(s)) {
			t.Errorf("page contains %q", s)
		}
	}
	var charts, titled int
	walk(t, page, func(n *html.Node) {
		if n.Data != "svg" {
			return
		}
		charts++
		labels, _ := attr(n, "aria-labelledby")
		id, _ := attr(n, "id")
		if labels != id+"-title "+id+"-desc" {
			t.Errorf("svg %s is labelled by %q", id, labels)
		}
		var hasTitle, hasDesc bool
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.FirstChild != nil && strings.TrimSpace(c.FirstChild.Data) != "" {
				hasTitle = hasTitle || c.Data == "title"
				hasDesc = hasDesc || c.Data == "desc"
			}
		}
		if hasTitle && hasDesc {
			titled++
		}
	})
	// Loss, payment shock, three PD charts and the four scenario paths.
	if charts != 9 || titled != 9 {
		t.Errorf("page has %d charts, %d with a title and a description; want 9 and 9", charts, titled)
	}
}

func TestHostileStringsAreEscaped(t *testing.T) {
	t.Parallel()
	m := fixtureMeta()
	m.RunID = `<script>alert("id")</script>`
	m.InputSource = `"><img src=x onerror=alert(1)> https://evil.example/x.js`
	m.ModelVersion = "</code><script>alert(2)</script>"
	m.Warnings = []string{"<b onmouseover=alert(3)>bold</b> | [link](javascript:alert(4)) www.evil.example"}
	r := fixtureReport()
	r.ModelVersion = m.ModelVersion
	r.Segments[0].Segment = `<svg onload=alert(5)>`
	r.ScoreBands[0].Band = `</text><script>alert(6)</script>`

	out, err := Render(r, m)
	if err != nil {
		t.Fatal(err)
	}
	checkWellFormed(t, out.HTML)
	checkSelfContained(t, out.HTML)
	var text strings.Builder
	doc, _ := html.Parse(bytes.NewReader(out.HTML))
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		if n.Type == html.TextNode {
			text.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(doc)
	for _, s := range []string{m.RunID, m.InputSource, m.ModelVersion, `<b onmouseover=alert(3)>bold</b>`, `<svg onload=alert(5)>`, `</text><script>alert(6)</script>`} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("page text does not show %q literally", s)
		}
	}

	md := string(out.Markdown)
	if bad := unescapedMarkup(md); len(bad) > 0 {
		t.Errorf("markdown has markup outside code spans: %q", bad)
	}
	for _, s := range []string{"`" + m.RunID + "`", "`" + m.InputSource + "`"} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown does not show %s as a code span", s)
		}
	}
	// Every row of a table has as many unescaped pipes as its head.
	head := -1
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			head = -1
			continue
		}
		cells := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")
		if head < 0 {
			head = cells
		}
		if cells != head {
			t.Errorf("a table row has %d unescaped pipes, its head %d: %s", cells, head, line)
		}
	}
}

// markerX finds the x of the loss chart's marker line for measure.
func markerX(t *testing.T, page []byte, measure string) (float64, bool) {
	t.Helper()
	var x float64
	found := false
	walk(t, page, func(n *html.Node) {
		if v, _ := attr(n, "data-measure"); n.Data == "line" && v == measure {
			x1, _ := attr(n, "x1")
			x2, _ := attr(n, "x2")
			if x1 != x2 {
				t.Errorf("marker %s is not vertical: x1=%s x2=%s", measure, x1, x2)
			}
			var err error
			if x, err = strconv.ParseFloat(x1, 64); err != nil {
				t.Errorf("marker %s: x1 %q: %v", measure, x1, err)
			}
			found = true
		}
	})
	return x, found
}

func TestLossChartMarksTheFiguresAtTheirValues(t *testing.T) {
	t.Parallel()
	r := fixtureReport()
	page, err := HTML(r, fixtureMeta())
	if err != nil {
		t.Fatal(err)
	}
	ls := r.Portfolio
	top := ls.Histogram.BinWidthUSD * float64(len(ls.Histogram.Counts))
	if ls.Histogram.Counts[0] == 0 {
		t.Fatal("the fixture's first bin must hold scenarios, so the axis starts at $0")
	}
	for _, tc := range []struct {
		measure string
		value   float64
	}{
		{"expected_loss", ls.ExpectedLoss},
		{"var_99", ls.VaR99},
		{"es_99", ls.ES99},
	} {
		t.Run(tc.measure+" sits at its share of the loss axis", func(t *testing.T) {
			got, ok := markerX(t, page, tc.measure)
			if !ok {
				t.Fatalf("no marker line for %s", tc.measure)
			}
			// Independent of the scale code: the axis runs from $0 (the
			// first bin is not empty) at lossLeft to the top of the last
			// bin at lossWidth-lossRight.
			want := lossLeft + tc.value/top*(lossWidth-lossRight-lossLeft)
			if math.Abs(got-want) > 0.006 {
				t.Errorf("x = %v, want %v", got, want)
			}
			if s := lossXScale(ls.Histogram); math.Abs(s.at(tc.value)-want) > 1e-9 {
				t.Errorf("lossXScale(%v) = %v, want %v", tc.value, s.at(tc.value), want)
			}
		})
	}
	t.Run("interval whiskers span the 95% intervals", func(t *testing.T) {
		whiskers := map[string][2]float64{}
		walk(t, page, func(n *html.Node) {
			if n.Data != "path" {
				return
			}
			key, ok := attr(n, "data-measure")
			if !ok {
				return
			}
			d, _ := attr(n, "d")
			var x0, y0, y1, x0b, yb, x1 float64
			if _, err := fmt.Sscanf(d, "M%g %gV%gM%g %gH%g", &x0, &y0, &y1, &x0b, &yb, &x1); err != nil {
				t.Fatalf("whisker %s: path %q: %v", key, d, err)
			}
			whiskers[key] = [2]float64{x0, x1}
		})
		top := ls.Histogram.BinWidthUSD * float64(len(ls.Histogram.Counts))
		px := func(v float64) float64 {
			return lossLeft + min(max(v, 0), top)/top*(lossWidth-lossRight-lossLeft)
		}
		for key, ci := range map[string]risk.Interval{"expected_loss": ls.ExpectedLossCI, "var_99": ls.VaR99CI, "es_99": ls.ES99CI} {
			got, ok := whiskers[key]
			if !ok {
				t.Errorf("no whisker for %s", key)
				continue
			}
			if math.Abs(got[0]-px(ci[0])) > 0.006 || math.Abs(got[1]-px(ci[1])) > 0.006 {
				t.Errorf("%s whisker spans %v, want %v to %v", key, got, px(ci[0]), px(ci[1]))
			}
		}
	})
	for _, measure := range []string{"var_999", "es_999"} {
		if _, ok := markerX(t, page, measure); ok {
			t.Errorf("%s is not reported but marked on the chart", measure)
		}
	}
	varX, _ := markerX(t, page, "var_99")
	esX, _ := markerX(t, page, "es_99")
	if !(esX > varX) {
		t.Errorf("ES 99%% line at %v is not right of VaR 99%% at %v", esX, varX)
	}
}

func TestEdgeCases(t *testing.T) {
	t.Parallel()
	zero := fixtureReport()
	zero.Portfolio = risk.LossStats{Loans: 10, ExposureUSD: 1e6, PDBaselineMean: 0.01, PDStressedMean: 0.01,
		Histogram: risk.Histogram{Counts: append([]int64{1000}, make([]int64, 39)...)}}
	zero.Headline = risk.Headline{Loans: 10, Scenarios: 1000, ExposureUSD: 1e6}
	zero.Segments = nil

	single := fixtureReport()
	single.Headline.Scenarios = 1
	single.Portfolio.Histogram = risk.Histogram{BinWidthUSD: 2500, Counts: append(make([]int64, 39), 1)}
	single.Portfolio.VaR99, single.Portfolio.ES99, single.Portfolio.VaR999, single.Portfolio.ES999 = 1e5, 1e5, 1e5, 1e5

	empty := risk.Report{Headline: risk.Headline{Scenarios: 1000}, Warnings: []string{"no loans were evaluated"}}

	nan := fixtureReport()
	nan.Headline.ExpectedLossRate = math.NaN()
	nan.Portfolio.VaR99 = math.Inf(1)
	nan.Segments[1].PDStressedMean = math.NaN()
	nan.ScoreBands[2].PDBaselineMean = math.Inf(-1)
	nan.Portfolio.Histogram.BinWidthUSD = math.NaN()

	meta := fixtureMeta()
	for _, tc := range []struct {
		name     string
		r        risk.Report
		m        Meta
		want     []string
		noCharts []string
	}{
		{"zero losses say so instead of drawing an empty chart", zero, meta,
			[]string{"Every one of the 1,000 scenarios lost $0"}, []string{"loss-chart", "pd-segment-chart"}},
		{"a single scenario still draws its one bar and markers", single, Meta{Scenarios: 1},
			[]string{`data-measure="expected_loss"`, "$97,500 to $100,000: 1 scenario<"}, nil},
		{"an empty report renders its warning and no charts", empty, Meta{},
			[]string{"no loans were evaluated", "No segment had any loans.", "The report holds no scenario losses to plot."},
			[]string{"loss-chart", "pd-segment-chart", "pd-band-chart", "pd-grade-chart"}},
		{"non-finite figures show as n/a and are named", nan, meta,
			[]string{"n/a", "headline.expected_loss_rate", "portfolio.var_99", "segments[personal_auto].pd_stressed_mean", "score_bands[good]", "malformed"},
			[]string{"loss-chart"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := Render(tc.r, tc.m)
			if err != nil {
				t.Fatal(err)
			}
			checkWellFormed(t, out.HTML)
			checkSelfContained(t, out.HTML)
			for _, page := range [][]byte{out.HTML, out.Markdown} {
				for _, bad := range []string{"NaN", "Inf", "%!"} {
					if bytes.Contains(page, []byte(bad)) {
						t.Errorf("output contains %q", bad)
					}
				}
			}
			for _, s := range tc.want {
				if !bytes.Contains(out.HTML, []byte(s)) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, id := range tc.noCharts {
				if bytes.Contains(out.HTML, []byte(`id="`+id+`"`)) {
					t.Errorf("page draws %s", id)
				}
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	t.Parallel()
	few := fixtureReport()
	few.Headline.Warning, few.Headline.TailWarning, few.Warnings = "", "", nil
	mismatch := fixtureMeta()
	mismatch.Seed = 7
	lost := fixtureMeta()
	lost.LoansProcessed = 499_000
	low := fixtureReport()
	low.Headline.ExpectedLossRate = 0.0004
	for _, tc := range []struct {
		name string
		r    risk.Report
		m    Meta
		want string
	}{
		{"tail figures not reported are explained even without risk's warning", few, fixtureMeta(),
			"99.9% figures (VaR, expected shortfall) are not reported: their tail holds fewer than 10 of the run's 1,000 scenarios."},
		{"indicative tail figures are explained even without risk's warning", few, fixtureMeta(),
			"99% figures (VaR, expected shortfall) are indicative: their tail holds fewer than 100 of the run's 1,000 scenarios."},
		{"risk's tail warning is shown", fixtureReport(), fixtureMeta(), fixtureTailWarning},
		{"rejected records are counted and pointed to", fixtureReport(), fixtureMeta(),
			"12 input records were rejected as malformed"},
		{"metadata disagreeing with the report is called out", fixtureReport(), mismatch,
			"disagree on the seed (7 in the metadata, 20261121 in the report)"},
		{"loans neither evaluated nor rejected are called out", fixtureReport(), lost,
			"1,000 are unaccounted for"},
		{"an implausibly low loss rate is called out", low, fixtureMeta(),
			"The expected loss rate 0.040% is outside 0.1% to 40%"},
		{"caller warnings are shown", fixtureReport(), Meta{Warnings: []string{"batch 7 was retried 3 times"}},
			"batch 7 was retried 3 times"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := Render(tc.r, tc.m)
			if err != nil {
				t.Fatal(err)
			}
			section := out.HTML[bytes.Index(out.HTML, []byte(`<section class="warnings"`)):]
			section = section[:bytes.Index(section, []byte("</section>"))]
			if !bytes.Contains(section, []byte(html.EscapeString(tc.want))) {
				t.Errorf("warnings section lacks %q:\n%s", tc.want, section)
			}
			if !bytes.Contains(out.Markdown, []byte(mdText(tc.want))) {
				t.Errorf("markdown lacks %q", tc.want)
			}
		})
	}
}

func TestParameterTable(t *testing.T) {
	t.Parallel()
	page, err := HTML(fixtureReport(), fixtureMeta())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, []byte(`<tr><th scope="row"><code>targetRate</code></th><td><code>0.08</code></td></tr>`)) {
		t.Error("parameter table lacks targetRate 0.08")
	}
	seed := bytes.Index(page, []byte("<code>seed</code>"))
	target := bytes.Index(page, []byte("<code>targetRate</code>"))
	if seed < 0 || target < seed {
		t.Error("parameters are not listed in their JSON order (seed before targetRate)")
	}
}

// unescapedMarkup removes the code spans of a Markdown text (whose content
// is literal) and returns what is left that CommonMark or GFM would read as
// markup: a backtick, <, [, ] or * without a backslash, or a bare URL.
func unescapedMarkup(md string) []string {
	var rest strings.Builder
	for i := 0; i < len(md); {
		if md[i] == '\\' && i+1 < len(md) {
			rest.WriteString(md[i : i+2])
			i += 2
			continue
		}
		if md[i] != '`' {
			rest.WriteByte(md[i])
			i++
			continue
		}
		n := 0
		for i+n < len(md) && md[i+n] == '`' {
			n++
		}
		fence := md[i : i+n]
		end := i + n
		for {
			j := strings.Index(md[end:], fence)
			if j < 0 {
				rest.WriteString(md[i:])
				i = len(md)
				break
			}
			k := end + j
			if k+n < len(md) && md[k+n] == '`' { // a longer run, not the closer
				end = k + n + 1
				continue
			}
			i = k + n
			break
		}
	}
	text := rest.String()
	var bad []string
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '\\':
			i++
		case '`', '<', '[', ']':
			bad = append(bad, text[max(0, i-10):min(len(text), i+10)])
		}
	}
	for _, s := range []string{"://", "www."} {
		if strings.Contains(text, s) {
			bad = append(bad, s)
		}
	}
	return bad
}

func TestLossBarsShowEveryNonEmptyBin(t *testing.T) {
	t.Parallel()
	r := fixtureReport()
	page, err := HTML(r, fixtureMeta())
	if err != nil {
		t.Fatal(err)
	}
	counts := r.Portfolio.Histogram.Counts
	var maxCount int64
	for _, c := range counts {
		maxCount = max(maxCount, c)
	}
	var heights []float64
	walk(t, chartSVG(t, page, "loss-chart"), func(n *html.Node) {
		if class, _ := attr(n, "class"); n.Data == "rect" && class == "bar" {
			h, _ := attr(n, "height")
			v, err := strconv.ParseFloat(h, 64)
			if err != nil {
				t.Fatalf("bar height %q: %v", h, err)
			}
			heights = append(heights, v)
		}
	})
	if len(heights) != len(counts) {
		t.Fatalf("%d bars for %d bins", len(heights), len(counts))
	}
	tallest := heights[slices.Index(counts, maxCount)]
	for i, c := range counts {
		switch {
		case c == 0 && heights[i] != 0:
			t.Errorf("empty bin %d has a bar %v tall", i, heights[i])
		case c > 0 && heights[i] < 1.5:
			t.Errorf("bin %d holds %d scenarios but its bar is only %v tall", i, c, heights[i])
		case c > 0 && heights[i] > 1.5 && math.Abs(heights[i]/tallest-float64(c)/float64(maxCount)) > 0.01:
			t.Errorf("bin %d: bar height %v is not in proportion to its count %d (tallest %v for %d)", i, heights[i], c, tallest, maxCount)
		}
	}
}

func TestZeroMetaFieldsComeFromTheReport(t *testing.T) {
	t.Parallel()
	r := fixtureReport()
	out, err := Render(r, Meta{RunID: "r"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"<dt>Seed</dt><dd><code>20261121</code></dd>",
		"<dt>Model version</dt><dd><code>credit-hazard/1.0.0</code></dd>",
		"<dt>Parameter hash</dt><dd><code>" + r.ParamsHash + "</code></dd>",
		"<dt>Built with</dt><dd><code>go1.26.0 amd64</code></dd>",
		"<dt>Scenarios</dt><dd>1,000</dd>",
		"<dt>Horizon</dt><dd>12 months</dd>",
		"Policy rate to 8.00% over 12 months",
	} {
		if !bytes.Contains(out.HTML, []byte(want)) {
			t.Errorf("page lacks %q", want)
		}
	}
	if bytes.Contains(out.HTML, []byte("disagree")) {
		t.Error("an unset Meta field is reported as disagreeing with the report")
	}
}

// chartSVG cuts the svg element with the given id out of a page.
func chartSVG(t *testing.T, page []byte, id string) []byte {
	t.Helper()
	start := bytes.Index(page, []byte(`<svg class="chart" id="`+id+`"`))
	if start < 0 {
		t.Fatalf("page has no chart %s", id)
	}
	end := bytes.Index(page[start:], []byte("</svg>"))
	if end < 0 {
		t.Fatalf("chart %s is not closed", id)
	}
	return page[start : start+end+len("</svg>")]
}

func TestScenarioPathsAreChartedAndTabled(t *testing.T) {
	t.Parallel()
	r := fixtureReport()
	out, err := Render(r, fixtureMeta())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"path-fed-funds", "path-unemployment", "path-hpi", "path-cre"} {
		svg := chartSVG(t, out.HTML, id)
		var band, mean int
		walk(t, svg, func(n *html.Node) {
			if class, _ := attr(n, "class"); n.Data == "path" {
				switch class {
				case "path-band":
					band++
				case "path-mean":
					mean++
				}
			}
		})
		if band != 1 || mean != 1 {
			t.Errorf("%s draws %d bands and %d mean lines, want one of each", id, band, mean)
		}
	}
	// The policy rate at the horizon, in the HTML table and the Markdown.
	for _, page := range [][]byte{out.HTML, out.Markdown} {
		for _, want := range []string{"Scenario paths", "8.00% (6.80% to 9.20%)", "0.910 (0.840 to 0.980)", "4.20% (4.20% to 4.20%)"} {
			if !bytes.Contains(page, []byte(want)) {
				t.Errorf("page lacks %q", want)
			}
		}
	}

	none := fixtureReport()
	none.ScenarioPaths = nil
	broken := fixtureReport()
	broken.ScenarioPaths.HPI.P5 = broken.ScenarioPaths.HPI.P5[:3]
	for _, tc := range []struct {
		name   string
		r      risk.Report
		charts int
	}{{"a report without paths has no path section", none, 0}, {"a malformed band is left out with a note", broken, 3}} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Render(tc.r, fixtureMeta())
			if err != nil {
				t.Fatal(err)
			}
			checkWellFormed(t, out.HTML)
			if got := bytes.Count(out.HTML, []byte(`<svg class="chart" id="path-`)); got != tc.charts {
				t.Errorf("%d path charts, want %d", got, tc.charts)
			}
			if tc.charts == 0 && bytes.Contains(out.HTML, []byte("Scenario paths")) {
				t.Error("a path section without paths")
			}
		})
	}
}

func TestTailFiguresAreMarkedOrNotReported(t *testing.T) {
	t.Parallel()
	out, err := Render(fixtureReport(), fixtureMeta())
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range [][]byte{out.HTML, out.Markdown} {
		for _, want := range []string{
			"VaR 99% †", "not reported", "† indicative: its tail holds 10 to 99 scenarios.",
			"Not reported: its tail holds fewer than 10 scenarios",
			// Portfolio VaR 99% in the segment table, marked.
			"$1,358,024,679 †",
		} {
			if !bytes.Contains(page, []byte(want)) {
				t.Errorf("page lacks %q", want)
			}
		}
		if bytes.Contains(page, []byte("$2,407,407,38")) {
			t.Error("a VaR 99.9% that is not reported is shown")
		}
	}
	// Every segment's row has the new columns.
	for _, want := range []string{"Loss rate (average balance)", "PD stressed by exposure", "95% intervals by segment", "5.32%"} {
		if !bytes.Contains(out.HTML, []byte(want)) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestImportanceSampledRunsSayThatTheFiguresAreWeighted(t *testing.T) {
	t.Parallel()
	r := fixtureReport()
	r.ImportanceSampling = &risk.Sampling{TailShift: 0.25, EffectiveScenarios: 412.4, MeanWeight: 0.987}
	prob := make([]float64, len(r.Portfolio.Histogram.Counts))
	prob[0] = 0.5
	prob[1] = 0.5
	r.Portfolio.Histogram.Probability = prob
	out, err := Render(r, fixtureMeta())
	if err != nil {
		t.Fatal(err)
	}
	checkWellFormed(t, out.HTML)
	for _, want := range []string{"credit-cycle innovations shifted by 0.25", "mean weight 0.987", "worth 412 plain scenarios",
		// The histogram table's share is the weighted probability.
		"<td class=\"num\">3</td><td class=\"num\">50.00%</td>"} {
		if !bytes.Contains(out.HTML, []byte(want)) {
			t.Errorf("page lacks %q", want)
		}
	}
	if !bytes.Contains(out.Markdown, []byte("0.25")) {
		t.Error("markdown does not name the tail shift")
	}
	// The loss chart draws probabilities: the two half-probability bins
	// are the tallest bars, of equal height.
	var heights []float64
	walk(t, chartSVG(t, out.HTML, "loss-chart"), func(n *html.Node) {
		if class, _ := attr(n, "class"); n.Data == "rect" && class == "bar" {
			h, _ := attr(n, "height")
			v, _ := strconv.ParseFloat(h, 64)
			heights = append(heights, v)
		}
	})
	if len(heights) < 2 || heights[0] != heights[1] || slices.Max(heights) != heights[0] || heights[2] > 1.5 {
		t.Errorf("bar heights %v: want the two bins of probability 0.5 tallest and the rest a hair at most", heights)
	}
	if !bytes.Contains(out.HTML, []byte("Probability (scenarios weighted by their likelihood ratios) by portfolio loss")) {
		t.Error("the loss chart's caption does not say it is weighted")
	}
}
