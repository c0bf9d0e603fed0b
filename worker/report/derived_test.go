package report

import (
	"strings"
	"testing"
)

func TestTheReportCountsDerivedFields(t *testing.T) {
	t.Parallel()
	m := fixtureMeta()
	m.DerivedByField = map[string]int64{"origination_date": 8, "annual_income": 1200}
	out, err := Render(fixtureReport(), m)
	if err != nil {
		t.Fatal(err)
	}
	for name, page := range map[string][]byte{"html": out.HTML, "markdown": out.Markdown} {
		if !strings.Contains(string(page), "Fields derived (loans)") || !strings.Contains(string(page), "annual_income 1,200, origination_date 8") {
			t.Errorf("the %s report does not count the derived fields", name)
		}
	}
	plain, err := Render(fixtureReport(), fixtureMeta())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(plain.HTML), "Fields derived") {
		t.Error("a report without derivations lists them")
	}
}
