package report

import (
	"os/exec"
	"strings"
	"testing"
)

// TestEscapeTextReplacesWhatHTMLTemplateDid pins the escaping of every
// string from the run to what html/template's text escaper wrote, which
// the golden pages were made with.
func TestEscapeTextReplacesWhatHTMLTemplateDid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"markup becomes text", `<script>alert("x")</script>`, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"},
		{"an ampersand and both quotes are escaped", `a & b "c" 'd'`, "a &amp; b &#34;c&#34; &#39;d&#39;"},
		{"a plus is escaped as html/template did", "1e+06 + 2", "1e&#43;06 &#43; 2"},
		{"NUL becomes the replacement character", "a\x00b", "a\uFFFDb"},
		{"non-ASCII text is kept", "≥ 1.25 ÷ é", "≥ 1.25 ÷ é"},
		{"invalid UTF-8 passes through byte for byte", "\xff<\xfe", "\xff&lt;\xfe"},
		{"plain text is unchanged", "run-20261121-abc123", "run-20261121-abc123"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := escapeText(tc.in); got != tc.want {
				t.Errorf("escapeText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestWorkerLinksNoTemplatePackage keeps text/template and html/template
// out of the worker binary: they call reflect's MethodByName, after which
// the linker keeps every exported method of every reachable type (every
// AWS client operation: +6 MiB, over the image's size budget).
func TestWorkerLinksNoTemplatePackage(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("this test lists the worker's dependencies with the go command, which is not on PATH: %v", err)
	}
	// With the tags scripts/build-worker.sh builds the image's worker with:
	// lambda.norpc drops aws-lambda-go's legacy RPC mode and its net/rpc,
	// which imports html/template.
	out, err := exec.Command(goTool, "list", "-tags", "lambda.norpc", "-deps", "github.com/montecarlo-pipeline/montecarlo/worker").Output()
	if err != nil {
		t.Fatalf("go list -deps ./worker: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "text/template" || pkg == "html/template" {
			t.Errorf("the worker depends on %s; find who imports it with: go list -tags lambda.norpc -deps -f '{{.ImportPath}}: {{.Imports}}' ./worker | grep template", pkg)
		}
	}
}
