package s3local_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
)

// listAll pages through ListObjectsV2 and returns keys and common prefixes
// in the order the server sent them.
func listAll(t testing.TB, c *s3.Client, prefix, delim string, maxKeys int32) (keys, prefixes []string) {
	t.Helper()
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(maxKeys)}
	if prefix != "" {
		in.Prefix = aws.String(prefix)
	}
	if delim != "" {
		in.Delimiter = aws.String(delim)
	}
	p := s3.NewListObjectsV2Paginator(c, in)
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("list prefix %q delimiter %q: %v", prefix, delim, err)
		}
		if n := len(out.Contents) + len(out.CommonPrefixes); n > int(maxKeys) {
			t.Fatalf("page holds %d items, more than MaxKeys %d", n, maxKeys)
		}
		if int(aws.ToInt32(out.KeyCount)) != len(out.Contents)+len(out.CommonPrefixes) {
			t.Fatalf("KeyCount %d, page holds %d", aws.ToInt32(out.KeyCount), len(out.Contents)+len(out.CommonPrefixes))
		}
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		for _, cp := range out.CommonPrefixes {
			prefixes = append(prefixes, aws.ToString(cp.Prefix))
		}
	}
	return keys, prefixes
}

// reference computes what S3 returns for a listing, from the S3 docs: keys
// with the prefix in UTF-8 binary order; with a delimiter, keys containing
// it after the prefix roll up into one common prefix each.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
func reference(all []string, prefix, delim string) (keys, prefixes []string) {
	sorted := slices.Clone(all)
	slices.Sort(sorted)
	seen := map[string]bool{}
	for _, k := range sorted {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		if delim != "" {
			if i := strings.Index(k[len(prefix):], delim); i >= 0 {
				cp := k[:len(prefix)+i+len(delim)]
				if !seen[cp] {
					seen[cp] = true
					prefixes = append(prefixes, cp)
				}
				continue
			}
		}
		keys = append(keys, k)
	}
	return keys, prefixes
}

// randomKeys draws keys from an alphabet whose bytes sort around '/'
// ('-' and '.' below it, digits and letters above), so a walk that ordered
// directories by bare name would list them wrongly. Keys that are a
// directory of another key are dropped: plain files cannot be both.
func randomKeys(rng *rand.Rand, n int) []string {
	alphabet := []string{"a", "b", "-", ".", "0", "z"}
	set := map[string]bool{}
	for len(set) < n {
		depth := 1 + rng.IntN(3)
		segs := make([]string, depth)
		for i := range segs {
			var b strings.Builder
			for range 1 + rng.IntN(3) {
				b.WriteString(alphabet[rng.IntN(len(alphabet))])
			}
			segs[i] = b.String()
		}
		key := strings.Join(segs, "/")
		if strings.Contains("/"+key+"/", "/./") || strings.Contains("/"+key+"/", "/../") {
			continue
		}
		set[key] = true
	}
	var keys []string
	for k := range set {
		conflict := false
		for other := range set {
			if strings.HasPrefix(other, k+"/") {
				conflict = true
				break
			}
		}
		if !conflict {
			keys = append(keys, k)
		}
	}
	return keys
}

func TestListingMatchesS3Semantics(t *testing.T) {
	t.Parallel()
	_, c := start(t, s3local.Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	keys := randomKeys(rng, 300)
	for _, k := range keys {
		put(t, c, k, k)
	}
	queries := []struct{ prefix, delim string }{
		{"", ""}, {"", "/"}, {"a", ""}, {"a", "/"}, {"a/", "/"}, {"a-", "/"},
		{"b/", ""}, {"0", "/"}, {"z.", "/"}, {"", "-"}, {"a", "."}, {"nothing", "/"},
	}
	for _, q := range queries {
		wantKeys, wantPrefixes := reference(keys, q.prefix, q.delim)
		for _, maxKeys := range []int32{1, 7, 1000} {
			t.Run(fmt.Sprintf("prefix %q delimiter %q in pages of %d", q.prefix, q.delim, maxKeys), func(t *testing.T) {
				gotKeys, gotPrefixes := listAll(t, c, q.prefix, q.delim, maxKeys)
				if !slices.Equal(gotKeys, wantKeys) {
					t.Errorf("keys:\n got %q\nwant %q", gotKeys, wantKeys)
				}
				if !slices.Equal(gotPrefixes, wantPrefixes) {
					t.Errorf("common prefixes:\n got %q\nwant %q", gotPrefixes, wantPrefixes)
				}
			})
		}
	}
}

func TestListingPaginatesPastOneThousandKeys(t *testing.T) {
	t.Parallel()
	_, c := start(t, s3local.Options{})
	var want []string
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range 1200 {
		key := fmt.Sprintf("loans/shard-%05d.jsonl", i)
		want = append(want, key)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			put(t, c, key, "x")
		}()
	}
	wg.Wait()
	t.Run("the default page size returns every key once in order", func(t *testing.T) {
		got, _ := listAll(t, c, "loans/", "", 1000) // two pages
		if !slices.Equal(got, want) {
			t.Errorf("listed %d keys, want %d in order", len(got), len(want))
		}
	})
	t.Run("a single page stops at MaxKeys and is truncated", func(t *testing.T) {
		out, err := c.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(1000)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Contents) != 1000 || !aws.ToBool(out.IsTruncated) || out.NextContinuationToken == nil {
			t.Errorf("page: %d keys, truncated %v, token %v", len(out.Contents), aws.ToBool(out.IsTruncated), out.NextContinuationToken)
		}
	})
	t.Run("start-after skips to the key after it", func(t *testing.T) {
		out, err := c.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), StartAfter: aws.String("loans/shard-01197.jsonl")})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Contents) != 2 || aws.ToString(out.Contents[0].Key) != "loans/shard-01198.jsonl" {
			t.Errorf("after start-after: %d keys", len(out.Contents))
		}
	})
}

// TestListingManyKeysWrittenByHand lists a bucket written straight to disk,
// as a user or another tool would, across 20 pages and 100 directories.
// BenchmarkListObjectsV2 runs the same check at 100,000 keys.
func TestListingManyKeysWrittenByHand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	want := writeFiles(t, dir, 20_000)
	_, c := start(t, s3local.Options{Dir: dir})
	got, _ := listAll(t, c, "", "", 1000)
	if !slices.Equal(got, want) {
		t.Fatalf("listed %d keys, want %d in order", len(got), len(want))
	}
	_, prefixes := listAll(t, c, "input/", "/", 1000)
	if len(prefixes) != 100 {
		t.Errorf("listed %d common prefixes under input/, want 100", len(prefixes))
	}
}

// writeFiles creates n one-line files under dir/results/input/<group>/ and
// returns their keys in S3 order.
func writeFiles(t testing.TB, dir string, n int) []string {
	t.Helper()
	keys := make([]string, 0, n)
	for i := range n {
		key := fmt.Sprintf("input/g%03d/loan-%07d.json", i%100, i)
		path := filepath.Join(dir, bucket, filepath.FromSlash(key))
		if i < 100 {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(path, []byte(`{"id":1}`), 0o644); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key)
	}
	slices.Sort(keys)
	return keys
}

func BenchmarkListObjectsV2(b *testing.B) {
	dir := b.TempDir()
	want := writeFiles(b, dir, 100_000)
	srv, err := s3local.Start(b.Context(), s3local.Options{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	c := newClient(srv.URL(), 1)
	listAll(b, c, "", "", 1000) // hash the hand-written files once
	b.ResetTimer()
	for b.Loop() {
		keys, _ := listAll(b, c, "", "", 1000)
		if !slices.Equal(keys, want) {
			b.Fatalf("listed %d keys, want all %d in order", len(keys), len(want))
		}
	}
	b.ReportMetric(float64(100_000*b.N)/b.Elapsed().Seconds(), "keys/s")
}
