package s3local

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// objectMeta is what the sidecar file records about an object: the MD5 that
// S3 reports as the ETag of a single-part upload, the CRC32 it returns as
// x-amz-checksum-crc32 (the SDK validates downloads against it, and logs a
// line per GET when there is none), and the headers S3 returns on GET. Size and ModTimeNs identify the object file version the record
// (with Inode) belong to, so a file replaced by hand is detected and re-hashed.
type objectMeta struct {
	Size      int64             `json:"size"`
	ModTimeNs int64             `json:"modTimeNs"`
	Inode     uint64            `json:"inode,omitempty"`
	MD5       string            `json:"md5"`
	CRC32     string            `json:"crc32"`
	Headers   map[string]string `json:"headers,omitempty"`
}

// matches reports whether m describes the file with the given stat.
func (m *objectMeta) matches(fi fs.FileInfo) bool {
	return m != nil && m.CRC32 != "" && m.Size == fi.Size() && m.ModTimeNs == fi.ModTime().UnixNano() && m.Inode == inode(fi)
}

// storedHeader reports whether a request header is object metadata that S3
// keeps and returns on GET. Everything else gofakes3 passes along (request
// dates, payload hashes, checksums of the upload, copy directives) describes
// the request, not the object, and returning it later would be wrong: a stale
// x-amz-checksum-* header, for instance, fails the SDK's response validation.
func storedHeader(name, value string) bool {
	switch name {
	case "Content-Type", "Content-Disposition", "Cache-Control", "Content-Language", "Expires":
		return true
	case "Content-Encoding":
		// aws-chunked is a transfer framing of the upload that S3 strips.
		return value != "" && value != "aws-chunked"
	}
	return strings.HasPrefix(name, "X-Amz-Meta-")
}

// objectHeaders keeps the storable subset of headers and strips the
// aws-chunked token from a combined Content-Encoding.
func objectHeaders(in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		if k == "Content-Encoding" {
			var kept []string
			for enc := range strings.SplitSeq(v, ",") {
				if enc = strings.TrimSpace(enc); enc != "" && enc != "aws-chunked" {
					kept = append(kept, enc)
				}
			}
			v = strings.Join(kept, ",")
		}
		if storedHeader(k, v) {
			out[k] = v
		}
	}
	return out
}

// responseHeaders are the headers returned for an object: the stored ones,
// a Content-Type (S3's default for uploads without one is
// binary/octet-stream; for files dropped in by hand the extension decides,
// so report.html opens as HTML), and Last-Modified from the file itself.
func responseHeaders(m *objectMeta, key string, modTime time.Time) map[string]string {
	h := make(map[string]string, len(m.Headers)+2)
	for k, v := range m.Headers {
		h[k] = v
	}
	if h["Content-Type"] == "" {
		if ct := mime.TypeByExtension(filepath.Ext(key)); ct != "" {
			h["Content-Type"] = ct
		} else {
			h["Content-Type"] = "binary/octet-stream"
		}
	}
	h["Last-Modified"] = modTime.UTC().Format(http.TimeFormat)
	return h
}

// readMeta loads a sidecar; a missing or unreadable one yields nil, which
// callers treat as "re-hash the file".
func readMeta(path string) *objectMeta {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var m objectMeta
	if json.Unmarshal(data, &m) != nil {
		return nil
	}
	return &m
}

// writeMeta stores a sidecar atomically (temp file then rename) so a reader
// never sees half a record.
func (b *backend) writeMeta(path string, m *objectMeta) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), dirMode); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(b.tmpDir(), "meta-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	b.cache.put(path, m)
	return nil
}

// loadMeta returns the sidecar at path from the cache or the file; callers
// validate it against the object file with matches.
func (b *backend) loadMeta(path string) *objectMeta {
	if m := b.cache.get(path); m != nil {
		return m
	}
	m := readMeta(path)
	if m != nil {
		b.cache.put(path, m)
	}
	return m
}

// hasher computes both digests an object needs in one pass.
type hasher struct {
	md5   hash.Hash
	crc32 hash.Hash32
}

func newHasher() *hasher { return &hasher{md5: md5.New(), crc32: crc32.NewIEEE()} }

func (h *hasher) Write(p []byte) (int, error) {
	h.md5.Write(p)
	return h.crc32.Write(p)
}

// meta describes the file fi hashed by h.
func (h *hasher) meta(fi fs.FileInfo, headers map[string]string) *objectMeta {
	return &objectMeta{
		Size: fi.Size(), ModTimeNs: fi.ModTime().UnixNano(), Inode: inode(fi),
		MD5:     hex.EncodeToString(h.md5.Sum(nil)),
		CRC32:   base64.StdEncoding.EncodeToString(h.crc32.Sum(nil)),
		Headers: headers,
	}
}

// hashFile hashes an open file from its start and rewinds it.
func hashFile(f *os.File) (*hasher, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	h := newHasher()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return h, nil
}

// metaFor returns the metadata describing the object file with stat fi,
// re-hashing and caching it when the sidecar is missing or stale, which
// happens when the file was written by something other than this server or a
// writer died between moving the object and its sidecar into place. f is the
// open file if the caller has it; otherwise the file is opened to hash it,
// and if it was replaced meanwhile the metadata describes the new version,
// so callers take size and time from the result, not from fi.
func (b *backend) metaFor(bucket, key string, f *os.File, fi fs.FileInfo) (*objectMeta, error) {
	mp := b.metaPath(bucket, key)
	m := b.loadMeta(mp)
	if !m.matches(fi) && m != nil {
		// The cached copy may predate a write by another process sharing
		// the directory: consult the file before re-hashing.
		b.cache.remove(mp)
		m = b.loadMeta(mp)
	}
	if m.matches(fi) {
		return m, nil
	}
	if f == nil {
		opened, err := os.Open(b.objectPath(bucket, key))
		if err != nil {
			return nil, err
		}
		defer opened.Close()
		if fi, err = opened.Stat(); err != nil {
			return nil, err
		}
		f = opened
	}
	h, err := hashFile(f)
	if err != nil {
		return nil, err
	}
	fresh := h.meta(fi, nil)
	if m != nil && m.Size == fresh.Size && m.MD5 == fresh.MD5 {
		// Same bytes under a new inode or mtime (copied by a tool): keep the headers.
		fresh.Headers = m.Headers
	}

	// Cache only if the file is still the one we hashed; a concurrent PUT may
	// have replaced it, and its own sidecar must win. Caching is best effort:
	// a failure only costs a re-hash next time.
	unlock := b.lockKey(bucket, key)
	defer unlock()
	if cur, err := os.Stat(b.objectPath(bucket, key)); err == nil && fresh.matches(cur) {
		b.treeMu.RLock()
		err := b.writeMeta(mp, fresh)
		b.treeMu.RUnlock()
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			b.logf("cache metadata for %s/%s: %v", bucket, key, err)
		}
	}
	return fresh, nil
}
