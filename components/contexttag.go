package components

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// ContextTag returns an image tag that is a hash of the Docker build: the
// Dockerfile and every file of the build context that .dockerignore does
// not exclude (paths, modes and contents). The tag must change exactly when
// the image can: the same tree gives the same tag (no rebuild), any change
// gives a new one, so a tag never names two different images (the ECR
// repository's tags are mutable only so that re-pushing the same tag
// succeeds; tasks pin the digest).
//
// .dockerignore is read with Docker's rules (patterns relative to the
// context, "*", "?", "**", "!" re-includes, the last matching pattern
// wins). When in doubt a file is hashed: hashing too much costs at most a
// rebuild, hashing too little would reuse a tag for different content.
func ContextTag(contextDir, dockerfile string) (string, error) {
	rules, err := readDockerignore(filepath.Join(contextDir, ".dockerignore"))
	if err != nil {
		return "", err
	}
	h := sha256.New()
	if err := hashFile(h, "Dockerfile", dockerfile); err != nil {
		return "", fmt.Errorf("hash dockerfile: %w", err)
	}
	err = filepath.WalkDir(contextDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(contextDir, path)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if rel == ".git" && d.IsDir() {
			return filepath.SkipDir // never sent by the ignore rules users write; huge
		}
		if rules.excluded(rel) {
			// A directory can still hold re-included files ("!dir/keep");
			// descend unless no pattern re-includes anything.
			if d.IsDir() && !rules.hasNegation {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		return hashFile(h, rel, path)
	})
	if err != nil {
		return "", fmt.Errorf("hash build context %s: %w", contextDir, err)
	}
	return "ctx-" + hex.EncodeToString(h.Sum(nil))[:32], nil
}

func hashFile(h io.Writer, name, path string) error {
	info, err := os.Lstat(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(h, "%s\x00%o\x00", name, info.Mode())
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00", target)
	case info.Mode().IsRegular():
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		fmt.Fprintf(h, "%d\x00", info.Size())
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
	}
	return nil
}

type ignoreRule struct {
	re     *regexp.Regexp
	negate bool
}

type ignoreRules struct {
	rules       []ignoreRule
	hasNegation bool
}

// excluded applies the rules in order; the last match wins. A pattern that
// matches a parent directory excludes everything below it.
func (r ignoreRules) excluded(rel string) bool {
	out := false
	for _, rule := range r.rules {
		if matchesPathOrParent(rule.re, rel) {
			out = !rule.negate
		}
	}
	return out
}

func matchesPathOrParent(re *regexp.Regexp, rel string) bool {
	for p := rel; ; {
		if re.MatchString(p) {
			return true
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return false
		}
		p = p[:i]
	}
}

func readDockerignore(path string) (ignoreRules, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return ignoreRules{}, nil
	}
	if err != nil {
		return ignoreRules{}, err
	}
	defer f.Close()
	var out ignoreRules
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		negate := strings.HasPrefix(line, "!")
		if negate {
			line = strings.TrimSpace(line[1:])
			out.hasNegation = true
		}
		line = strings.Trim(filepath.ToSlash(filepath.Clean(line)), "/")
		if line == "." || line == "" {
			continue
		}
		re, err := globRegexp(line)
		if err != nil {
			return ignoreRules{}, fmt.Errorf("%s: pattern %q: %w", path, line, err)
		}
		out.rules = append(out.rules, ignoreRule{re: re, negate: negate})
	}
	return out, sc.Err()
}

// globRegexp translates a .dockerignore pattern: "**" spans directories,
// "*" and "?" do not.
func globRegexp(pattern string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '*' && i+1 < len(pattern) && pattern[i+1] == '*':
			i++
			if i+1 < len(pattern) && pattern[i+1] == '/' {
				i++
				b.WriteString("(.*/)?")
			} else {
				b.WriteString(".*")
			}
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '\\' && i+1 < len(pattern):
			i++
			b.WriteString(regexp.QuoteMeta(string(pattern[i])))
		case c == '[':
			j := strings.IndexByte(pattern[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("unterminated [")
			}
			class := pattern[i+1 : i+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + class + "]")
			i += j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}
