package s3local

import (
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// ListBucket implements ListObjects(V2) with prefix, delimiter, marker
// (continuation token) and max-keys.
//
// S3 lists keys in UTF-8 binary order. A directory walk yields the same order
// if a directory named "a" sorts as "a/": every key under it starts with
// "a/", and comparing "a/" with its siblings ("a.txt", "a0") is exactly how
// those keys compare. With that order the walk can skip whole subtrees that
// lie before the marker, outside the prefix, or inside a common prefix that
// was already reported, so each page costs roughly its own size plus the
// directories on its path rather than the whole bucket.
func (b *backend) ListBucket(bucket string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	if ok, err := b.BucketExists(bucket); err != nil {
		return nil, err
	} else if !ok {
		return nil, gofakes3.BucketNotFound(bucket)
	}
	l := &lister{b: b, bucket: bucket, out: gofakes3.NewObjectList(), max: int(page.MaxKeys)}
	if prefix != nil {
		if prefix.HasPrefix {
			l.prefix = prefix.Prefix
		}
		if prefix.HasDelimiter {
			l.delim = prefix.Delimiter
		}
	}
	if page.HasMarker {
		l.marker = page.Marker
	}
	if l.max <= 0 {
		// gofakes3 always passes max-keys (default 1000); an explicit 0
		// asks for an empty page.
		return l.out, nil
	}
	if _, err := l.walk(b.bucketPath(bucket), ""); err != nil && !errors.Is(err, errPageFull) {
		return nil, err
	}
	return l.out, nil
}

// errPageFull stops the walk once one more item than the page holds is found.
var errPageFull = errors.New("page full")

type lister struct {
	b      *backend
	bucket string
	prefix string
	delim  string
	marker string
	max    int

	out    *gofakes3.ObjectList
	count  int
	lastCP string
}

type dirEntry struct {
	name  string // file name
	key   string // key of the file, or key prefix of the directory ("a/b/")
	isDir bool
}

// walk lists directory dir, whose keys start with dirKey, in key order.
func (l *lister) walk(dir, dirKey string) (bool, error) {
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return false, nil // removed concurrently, or not ours to read
	}
	if err != nil {
		return false, err
	}
	entries := make([]dirEntry, 0, len(des))
	for _, de := range des {
		name := de.Name()
		isDir := de.IsDir()
		if !isDir && !de.Type().IsRegular() {
			if de.Type()&fs.ModeSymlink == 0 {
				continue // sockets, devices: not objects
			}
			fi, err := os.Stat(filepath.Join(dir, name))
			if err != nil {
				continue
			}
			isDir = fi.IsDir()
		}
		if validateKey(name) != nil {
			continue // cannot be addressed as a key segment
		}
		k := dirKey + name
		if isDir {
			k += "/"
		}
		entries = append(entries, dirEntry{name: name, key: k, isDir: isDir})
	}
	slices.SortFunc(entries, func(a, b dirEntry) int { return strings.Compare(a.key, b.key) })

	// Skip straight to the first entry that can hold keys after the marker:
	// entries whose key (or key prefix) sorts before the marker and is not a
	// prefix of it hold only keys before the marker.
	start := 0
	if l.marker != "" {
		start, _ = slices.BinarySearchFunc(entries, l.marker, func(e dirEntry, m string) int {
			if e.isDir && strings.HasPrefix(m, e.key) {
				return 0
			}
			if e.key <= m {
				return -1
			}
			return 1
		})
	}
	for _, e := range entries[start:] {
		if err := l.visit(dir, e); err != nil {
			return true, err
		}
	}
	return false, nil
}

// visit handles one directory entry: a file is a key, a directory a subtree.
func (l *lister) visit(dir string, e dirEntry) error {
	if e.isDir {
		// The subtree's keys all start with e.key: it can only match if one
		// of e.key and the prefix is a prefix of the other.
		if !strings.HasPrefix(e.key, l.prefix) && !strings.HasPrefix(l.prefix, e.key) {
			return nil
		}
		if e.key <= l.marker && !strings.HasPrefix(l.marker, e.key) {
			return nil
		}
		if cp, ok := l.commonPrefix(e.key); ok {
			// Every key below shares one common prefix: report it once,
			// without walking the subtree, if there is a file below at all.
			if cp <= l.marker || cp == l.lastCP || !hasFile(filepath.Join(dir, e.name)) {
				return nil
			}
			return l.emitPrefix(cp)
		}
		_, err := l.walk(filepath.Join(dir, e.name), e.key)
		return err
	}

	if !strings.HasPrefix(e.key, l.prefix) || e.key <= l.marker {
		return nil
	}
	if cp, ok := l.commonPrefix(e.key); ok {
		if cp <= l.marker || cp == l.lastCP {
			return nil
		}
		return l.emitPrefix(cp)
	}
	return l.emitKey(filepath.Join(dir, e.name), e.key)
}

// commonPrefix returns the common prefix that key (or key prefix) rolls up
// into: the prefix plus everything up to and including the first delimiter
// after it.
func (l *lister) commonPrefix(key string) (string, bool) {
	if l.delim == "" || !strings.HasPrefix(key, l.prefix) {
		return "", false
	}
	rest := key[len(l.prefix):]
	i := strings.Index(rest, l.delim)
	if i < 0 {
		return "", false
	}
	return l.prefix + rest[:i+len(l.delim)], true
}

// full reports whether the page already holds max items; if so the listing
// is truncated and the next page starts after the last item reported.
func (l *lister) full() bool {
	if l.count < l.max {
		return false
	}
	l.out.IsTruncated = true
	return true
}

func (l *lister) emitPrefix(cp string) error {
	if l.full() {
		return errPageFull
	}
	l.out.AddPrefix(cp)
	l.lastCP = cp
	l.count++
	l.out.NextMarker = cp
	return nil
}

func (l *lister) emitKey(path, key string) error {
	if l.full() {
		return errPageFull
	}
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return nil // deleted while listing, or not a file
	}
	m, err := l.b.metaFor(l.bucket, key, nil, fi)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	hash, _ := hex.DecodeString(m.MD5)
	l.out.Add(&gofakes3.Content{
		Key:          key,
		LastModified: gofakes3.NewContentTime(time.Unix(0, m.ModTimeNs)),
		ETag:         gofakes3.FormatETag(hash),
		Size:         m.Size,
		StorageClass: gofakes3.StorageStandard,
	})
	l.count++
	l.out.NextMarker = key
	return nil
}

// hasFile reports whether the tree under dir holds at least one regular file
// (a directory emptied by hand must not show up as a common prefix).
func hasFile(dir string) bool {
	found := errors.New("found")
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if !d.IsDir() && validateKey(d.Name()) == nil {
			return found
		}
		return nil
	})
	return err == found
}
