package loan

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/loans.schema.json from the Go types")

var schemaPath = filepath.Join("..", "..", "docs", "loans.schema.json")

func TestJSONSchemaIsUpToDate(t *testing.T) {
	got, err := JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(schemaPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatalf("%v (go test ./worker/loan -run TestJSONSchemaIsUpToDate -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: go test ./worker/loan -run TestJSONSchemaIsUpToDate -update", schemaPath)
	}
}

func TestEveryFieldIsDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "loans.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range FieldNames() {
		if _, ok := fieldDocs[name]; !ok {
			t.Errorf("field %q has no fieldDocs entry", name)
		}
		if !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("docs/loans.md does not document `%s`", name)
		}
	}
	for _, k := range Kinds {
		if !strings.Contains(string(doc), "`"+string(k)+"`") {
			t.Errorf("docs/loans.md does not list the rejection kind `%s`", k)
		}
	}
	for a := range fieldAliases {
		if !strings.Contains(string(doc), a) {
			t.Errorf("docs/loans.md does not list the alias %s", a)
		}
	}
}
