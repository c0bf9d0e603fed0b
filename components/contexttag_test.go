package components

import (
	"os"
	"path/filepath"
	"testing"
)

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func contextTag(t *testing.T, dir string) string {
	t.Helper()
	tag, err := ContextTag(dir, filepath.Join(dir, "Dockerfile"))
	if err != nil {
		t.Fatalf("ContextTag: %v", err)
	}
	if !imageTagPattern.MatchString(tag) {
		t.Fatalf("tag %q is not a valid Docker tag", tag)
	}
	return tag
}

func TestContextTagChangesExactlyWhenTheBuildInputsChange(t *testing.T) {
	t.Parallel()
	base := map[string]string{
		"Dockerfile":            "FROM scratch\nCOPY . /src\n",
		".dockerignore":         "# data and junk\nmontecarlo-data\n**/*.test\nlogs/*\n!logs/keep.txt\n",
		"main.go":               "package main\n",
		"worker/loop.go":        "package worker\n",
		"montecarlo-data/a.csv": "1,2,3\n",
		"worker/x.test":         "binary",
		"logs/run.log":          "noise",
		"logs/keep.txt":         "kept",
	}
	cases := []struct {
		name    string
		edit    map[string]string
		changes bool
	}{
		{"an unchanged tree", nil, false},
		{"a changed source file", map[string]string{"worker/loop.go": "package worker // v2\n"}, true},
		{"a new source file", map[string]string{"worker/new.go": "package worker\n"}, true},
		{"a changed Dockerfile", map[string]string{"Dockerfile": "FROM scratch\n"}, true},
		{"a changed ignored data file", map[string]string{"montecarlo-data/a.csv": "4,5,6\n"}, false},
		{"a changed file ignored by a ** pattern", map[string]string{"worker/x.test": "other"}, false},
		{"a changed file ignored by a directory glob", map[string]string{"logs/run.log": "more noise"}, false},
		{"a changed file re-included by a ! pattern", map[string]string{"logs/keep.txt": "changed"}, true},
		{"a changed .dockerignore", map[string]string{".dockerignore": "montecarlo-data\n"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before, after := t.TempDir(), t.TempDir()
			writeTree(t, before, base)
			writeTree(t, after, base)
			writeTree(t, after, tc.edit)
			if changed := contextTag(t, before) != contextTag(t, after); changed != tc.changes {
				t.Errorf("tag changed = %v, want %v", changed, tc.changes)
			}
		})
	}
}

func TestContextTagFollowsAnAllowListDockerignore(t *testing.T) {
	t.Parallel()
	// The repository's .dockerignore excludes everything and re-includes
	// what the image build needs.
	base := map[string]string{
		"Dockerfile":             "FROM scratch\n",
		".dockerignore":          "*\n!go.mod\n!worker\n!components/asl\n**/*_test.go\n",
		"go.mod":                 "module m\n",
		"worker/main.go":         "package main\n",
		"worker/main_test.go":    "package main\n",
		"components/asl/a.go":    "package asl\n",
		"components/pipeline.go": "package components\n",
		"README.md":              "hello\n",
	}
	for _, tc := range []struct {
		file    string
		changes bool
	}{
		{"worker/main.go", true},
		{"components/asl/a.go", true},
		{"go.mod", true},
		{"worker/main_test.go", false},
		{"components/pipeline.go", false},
		{"README.md", false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			before, after := t.TempDir(), t.TempDir()
			writeTree(t, before, base)
			writeTree(t, after, base)
			writeTree(t, after, map[string]string{tc.file: "changed\n"})
			if changed := contextTag(t, before) != contextTag(t, after); changed != tc.changes {
				t.Errorf("changing %s changed the tag: %v, want %v", tc.file, changed, tc.changes)
			}
		})
	}
}

func TestContextTagIgnoresTheGitDirectory(t *testing.T) {
	t.Parallel()
	a, b := t.TempDir(), t.TempDir()
	files := map[string]string{"Dockerfile": "FROM scratch\n", "main.go": "package main\n"}
	writeTree(t, a, files)
	writeTree(t, b, files)
	writeTree(t, b, map[string]string{".git/HEAD": "ref: refs/heads/main\n"})
	if contextTag(t, a) != contextTag(t, b) {
		t.Error("the .git directory changed the tag")
	}
}

func TestContextTagNeedsTheDockerfile(t *testing.T) {
	t.Parallel()
	if _, err := ContextTag(t.TempDir(), "/nonexistent/Dockerfile"); err == nil {
		t.Error("want an error for a missing Dockerfile")
	}
}
