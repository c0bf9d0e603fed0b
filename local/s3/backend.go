package s3local

import (
	"encoding/hex"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/johannesboyne/gofakes3"
)

const (
	dirMode  = 0o755
	fileMode = 0o644
	// lockStripes bounds the memory of per-key locking; collisions only
	// serialise unrelated keys briefly.
	lockStripes = 256
)

// backend is a gofakes3.Backend that stores object bucket/key as the plain
// file <dir>/bucket/key, so results can be opened with any tool, and keeps
// ETags and headers in a sidecar tree under <dir>/.s3local/meta.
//
// Writes go to a temporary file that is renamed into place, so a reader or a
// killed writer never sees half an object. Reads take no locks: an open file
// keeps its bytes even if a concurrent PUT replaces it, and the sidecar is
// matched to the file by size, mtime and inode.
type backend struct {
	dir string
	log *slog.Logger

	// treeMu guards directory creation against the pruning of empty
	// directories after deletes: writers hold it shared, pruning exclusively.
	treeMu sync.RWMutex
	// keyMu serialises the rename of an object and of its sidecar per key, so
	// the last writer's data and metadata end up together.
	keyMu [lockStripes]sync.Mutex
	seed  maphash.Seed

	cache metaCache
}

var _ gofakes3.Backend = (*backend)(nil)

func newBackend(dir string, log *slog.Logger) (*backend, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	b := &backend{dir: abs, log: log, seed: maphash.MakeSeed()}
	for _, d := range []string{abs, b.tmpDir(), filepath.Join(abs, stateDirName, "meta")} {
		if err := os.MkdirAll(d, dirMode); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (b *backend) logf(format string, args ...any) {
	if b.log != nil {
		b.log.Warn("s3local: " + fmt.Sprintf(format, args...))
	}
}

// lockKey locks the stripe of bucket/key and returns its unlock function.
func (b *backend) lockKey(bucket, key string) func() {
	var h maphash.Hash
	h.SetSeed(b.seed)
	h.WriteString(bucket)
	h.WriteByte('/')
	h.WriteString(key)
	mu := &b.keyMu[h.Sum64()%lockStripes]
	mu.Lock()
	return mu.Unlock
}

// ListBuckets lists the directories under dir whose names are valid bucket names.
func (b *backend) ListBuckets() ([]gofakes3.BucketInfo, error) {
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return nil, err
	}
	buckets := make([]gofakes3.BucketInfo, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() || gofakes3.ValidateBucketName(e.Name()) != nil {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // removed while listing
		}
		buckets = append(buckets, gofakes3.BucketInfo{Name: e.Name(), CreationDate: gofakes3.NewContentTime(fi.ModTime())})
	}
	return buckets, nil
}

// CreateBucket makes the bucket's directory.
func (b *backend) CreateBucket(name string) error {
	if err := gofakes3.ValidateBucketName(name); err != nil {
		return err
	}
	err := os.Mkdir(b.bucketPath(name), dirMode)
	if errors.Is(err, fs.ErrExist) {
		return gofakes3.ResourceError(gofakes3.ErrBucketAlreadyExists, name)
	}
	return err
}

// BucketExists reports whether the bucket's directory exists.
func (b *backend) BucketExists(name string) (bool, error) {
	if gofakes3.ValidateBucketName(name) != nil {
		return false, nil
	}
	fi, err := os.Stat(b.bucketPath(name))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return fi.IsDir(), nil
}

// DeleteBucket removes an empty bucket.
func (b *backend) DeleteBucket(name string) error {
	b.treeMu.Lock()
	defer b.treeMu.Unlock()
	err := os.Remove(b.bucketPath(name))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return gofakes3.BucketNotFound(name)
	case errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, fs.ErrExist):
		return gofakes3.ResourceError(gofakes3.ErrBucketNotEmpty, name)
	case err != nil:
		return err
	}
	b.cache.clear()
	return os.RemoveAll(filepath.Join(b.dir, stateDirName, "meta", name))
}

// ForceDeleteBucket removes a bucket and everything in it.
func (b *backend) ForceDeleteBucket(name string) error {
	if gofakes3.ValidateBucketName(name) != nil {
		return gofakes3.BucketNotFound(name)
	}
	b.treeMu.Lock()
	defer b.treeMu.Unlock()
	if err := os.RemoveAll(b.bucketPath(name)); err != nil {
		return err
	}
	b.cache.clear()
	return os.RemoveAll(filepath.Join(b.dir, stateDirName, "meta", name))
}

// openObject opens bucket/key for reading and loads its metadata.
func (b *backend) openObject(bucket, key string) (*os.File, fs.FileInfo, *objectMeta, error) {
	if validateKey(key) != nil {
		return nil, nil, nil, gofakes3.KeyNotFound(key)
	}
	f, err := os.Open(b.objectPath(bucket, key))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		if ok, _ := b.BucketExists(bucket); !ok {
			return nil, nil, nil, gofakes3.BucketNotFound(bucket)
		}
		return nil, nil, nil, gofakes3.KeyNotFound(key)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	fi, err := f.Stat()
	if err == nil && fi.IsDir() {
		err = gofakes3.KeyNotFound(key) // a prefix, not an object
	}
	var m *objectMeta
	if err == nil {
		m, err = b.metaFor(bucket, key, f, fi)
	}
	if err != nil {
		f.Close()
		return nil, nil, nil, err
	}
	return f, fi, m, nil
}

// HeadObject returns an object's metadata without its contents.
func (b *backend) HeadObject(bucket, key string) (*gofakes3.Object, error) {
	f, fi, m, err := b.openObject(bucket, key)
	if err != nil {
		return nil, err
	}
	f.Close()
	return b.object(key, fi, m, noopCloser{}, nil), nil
}

// GetObject streams an object, or the requested byte range of it, from its file.
func (b *backend) GetObject(bucket, key string, rangeRequest *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	f, fi, m, err := b.openObject(bucket, key)
	if err != nil {
		return nil, err
	}
	rng, err := rangeRequest.Range(fi.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	var body io.ReadCloser = f
	if rng != nil {
		body = &sectionCloser{SectionReader: io.NewSectionReader(f, rng.Start, rng.Length), f: f}
	}
	return b.object(key, fi, m, body, rng), nil
}

func (b *backend) object(key string, fi fs.FileInfo, m *objectMeta, body io.ReadCloser, rng *gofakes3.ObjectRange) *gofakes3.Object {
	hash, _ := hex.DecodeString(m.MD5)
	headers := responseHeaders(m, key, fi.ModTime())
	if rng == nil {
		// S3 returns the full-object checksum only for whole-object reads.
		headers["X-Amz-Checksum-Crc32"] = m.CRC32
	}
	return &gofakes3.Object{
		Name:     key,
		Metadata: headers,
		Size:     fi.Size(),
		Contents: body,
		Hash:     hash,
		Range:    rng,
	}
}

// PutObject writes the body to a temporary file, then renames it over the
// object's file. S3 replaces an object's metadata on every PUT, so unlike the
// bundled backends this does not merge in the old object's headers.
func (b *backend) PutObject(bucket, key string, meta map[string]string, input io.Reader, size int64, conditions *gofakes3.PutConditions) (gofakes3.PutObjectResult, error) {
	var result gofakes3.PutObjectResult
	if err := validateKey(key); err != nil {
		return result, err
	}
	if ok, err := b.BucketExists(bucket); err != nil {
		return result, err
	} else if !ok {
		return result, gofakes3.BucketNotFound(bucket)
	}

	tmp, err := os.CreateTemp(b.tmpDir(), "object-*")
	if err != nil {
		return result, err
	}
	committed := false
	defer func() {
		if !committed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := newHasher()
	n, err := io.Copy(io.MultiWriter(tmp, h), input)
	if err != nil {
		return result, err
	}
	if size >= 0 && n != size {
		return result, gofakes3.ErrIncompleteBody
	}
	if err := tmp.Chmod(fileMode); err != nil {
		return result, err
	}
	if err := tmp.Close(); err != nil {
		return result, err
	}
	fi, err := os.Stat(tmp.Name())
	if err != nil {
		return result, err
	}
	m := h.meta(fi, objectHeaders(meta))

	unlock := b.lockKey(bucket, key)
	defer unlock()
	if conditions != nil {
		if err := gofakes3.CheckPutConditions(conditions, b.conditionalInfo(bucket, key)); err != nil {
			return result, err
		}
	}

	b.treeMu.RLock()
	defer b.treeMu.RUnlock()
	dst := b.objectPath(bucket, key)
	if err := os.MkdirAll(filepath.Dir(dst), dirMode); err != nil {
		return result, conflictError(key, err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return result, conflictError(key, err)
	}
	committed = true
	if err := b.writeMeta(b.metaPath(bucket, key), m); err != nil {
		b.cache.remove(b.metaPath(bucket, key))
		// The object is in place; a missing sidecar only costs a re-hash
		// and loses the Content-Type, so report rather than fail the PUT.
		b.logf("write metadata for %s/%s: %v", bucket, key, err)
	}
	return result, nil
}

// conditionalInfo describes the current object for If-Match/If-None-Match.
func (b *backend) conditionalInfo(bucket, key string) *gofakes3.ConditionalObjectInfo {
	f, err := os.Open(b.objectPath(bucket, key))
	if err != nil {
		return &gofakes3.ConditionalObjectInfo{}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.IsDir() {
		return &gofakes3.ConditionalObjectInfo{}
	}
	m := b.loadMeta(b.metaPath(bucket, key))
	if !m.matches(fi) {
		h, err := hashFile(f)
		if err != nil {
			return &gofakes3.ConditionalObjectInfo{}
		}
		m = h.meta(fi, nil)
	}
	hash, _ := hex.DecodeString(m.MD5)
	return &gofakes3.ConditionalObjectInfo{Exists: true, Hash: hash}
}

// DeleteObject removes an object; deleting a missing key succeeds, as in S3.
func (b *backend) DeleteObject(bucket, key string) (gofakes3.ObjectDeleteResult, error) {
	var result gofakes3.ObjectDeleteResult
	if ok, err := b.BucketExists(bucket); err != nil {
		return result, err
	} else if !ok {
		return result, gofakes3.BucketNotFound(bucket)
	}
	return result, b.deleteObject(bucket, key)
}

func (b *backend) deleteObject(bucket, key string) error {
	if validateKey(key) != nil {
		return nil // such a key cannot exist here
	}
	unlock := b.lockKey(bucket, key)
	defer unlock()
	obj := b.objectPath(bucket, key)
	if fi, err := os.Lstat(obj); err == nil && fi.IsDir() {
		return nil // a prefix, not an object
	}
	if err := os.Remove(obj); err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
		return err
	}
	meta := b.metaPath(bucket, key)
	b.cache.remove(meta)
	if err := os.Remove(meta); err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
		return err
	}
	b.pruneEmptyDirs(filepath.Dir(obj), b.bucketPath(bucket))
	b.pruneEmptyDirs(filepath.Dir(meta), filepath.Join(b.dir, stateDirName, "meta", bucket))
	return nil
}

// pruneEmptyDirs removes dir and its parents up to (not including) stop
// while they are empty, so a deleted prefix stops showing up in listings.
func (b *backend) pruneEmptyDirs(dir, stop string) {
	b.treeMu.Lock()
	defer b.treeMu.Unlock()
	for dir != stop && len(dir) > len(stop) {
		if os.Remove(dir) != nil {
			return // not empty (or gone): stop climbing
		}
		dir = filepath.Dir(dir)
	}
}

// DeleteMulti deletes several objects, reporting each one's outcome.
func (b *backend) DeleteMulti(bucket string, keys ...string) (gofakes3.MultiDeleteResult, error) {
	var result gofakes3.MultiDeleteResult
	if ok, err := b.BucketExists(bucket); err != nil {
		return result, err
	} else if !ok {
		return result, gofakes3.BucketNotFound(bucket)
	}
	for _, key := range keys {
		if err := b.deleteObject(bucket, key); err != nil {
			result.Error = append(result.Error, gofakes3.ErrorResult{
				Key: key, Code: gofakes3.ErrInternal, Message: err.Error(),
			})
			continue
		}
		result.Deleted = append(result.Deleted, gofakes3.ObjectID{Key: key})
	}
	return result, nil
}

// CopyObject copies through GetObject and PutObject, so the copy is written
// atomically like any other object.
func (b *backend) CopyObject(srcBucket, srcKey, dstBucket, dstKey string, meta map[string]string) (gofakes3.CopyObjectResult, error) {
	src, err := b.GetObject(srcBucket, srcKey, nil)
	if err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	defer src.Contents.Close()
	if _, err := b.PutObject(dstBucket, dstKey, meta, src.Contents, src.Size, nil); err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	return gofakes3.CopyObjectResult{
		ETag:         gofakes3.FormatETag(src.Hash),
		LastModified: gofakes3.NewContentTime(time.Now()),
	}, nil
}

// sectionCloser serves a byte range of a file and closes the file after.
type sectionCloser struct {
	*io.SectionReader
	f *os.File
}

func (s *sectionCloser) Close() error { return s.f.Close() }

// noopCloser is the empty body of a HEAD response.
type noopCloser struct{}

func (noopCloser) Read([]byte) (int, error) { return 0, io.EOF }
func (noopCloser) Close() error             { return nil }
