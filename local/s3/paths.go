package s3local

import (
	"path/filepath"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

// stateDirName is the hidden directory under the data directory that holds
// object metadata and in-flight temporary files. It starts with a dot, which
// no valid bucket name does, so it can never collide with a bucket and stays
// out of the user's way when they browse the results.
const stateDirName = ".s3local"

// nameMax is the longest file name most Linux and macOS file systems accept
// (NAME_MAX); a key segment longer than this cannot be stored as a file.
const nameMax = 255

// validateKey reports whether key maps one-to-one onto a relative file path.
//
// S3 keys are arbitrary strings, but this endpoint stores every object as a
// plain file so that a user can open results directly. Keys that would need
// escaping to do that (empty path segments, "." and "..", a trailing slash,
// NUL bytes, over-long segments) are rejected with InvalidArgument instead of
// being silently renamed.
func validateKey(key string) error {
	if key == "" {
		return gofakes3.ErrorMessage(gofakes3.ErrInvalidArgument, "object key must not be empty")
	}
	if strings.ContainsRune(key, 0) {
		return gofakes3.ErrorMessagef(gofakes3.ErrInvalidArgument, "object key %q must not contain NUL bytes", key)
	}
	if strings.HasSuffix(key, "/") {
		return gofakes3.ErrorMessagef(gofakes3.ErrInvalidArgument,
			"object key %q ends with '/': folder marker objects cannot be stored as plain files", key)
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return gofakes3.ErrorMessagef(gofakes3.ErrInvalidArgument,
				"object key %q has an empty path segment (leading '/' or '//'): it cannot be stored as a plain file", key)
		case seg == "." || seg == "..":
			return gofakes3.ErrorMessagef(gofakes3.ErrInvalidArgument,
				"object key %q has a %q path segment: it cannot be stored as a plain file", key, seg)
		case len(seg) > nameMax:
			return gofakes3.ErrorMessagef(gofakes3.ErrKeyTooLong,
				"object key %q has a path segment longer than %d bytes", key, nameMax)
		}
	}
	return nil
}

// objectPath is the file that holds bucket/key's bytes.
func (b *backend) objectPath(bucket, key string) string {
	return filepath.Join(b.dir, bucket, filepath.FromSlash(key))
}

// metaPath is the sidecar file that holds bucket/key's ETag and headers.
func (b *backend) metaPath(bucket, key string) string {
	return filepath.Join(b.dir, stateDirName, "meta", bucket, filepath.FromSlash(key))
}

// bucketPath is the directory that holds bucket's objects.
func (b *backend) bucketPath(bucket string) string {
	return filepath.Join(b.dir, bucket)
}

// tmpDir holds objects being written; it is on the same file system as the
// objects, so rename(2) moves a finished object into place atomically.
func (b *backend) tmpDir() string {
	return filepath.Join(b.dir, stateDirName, "tmp")
}

// conflictError explains why a key cannot be stored: a file cannot also be a
// directory, so "a" and "a/b" cannot both exist in this backend.
func conflictError(key string, err error) error {
	return gofakes3.ErrorMessagef(gofakes3.ErrInvalidArgument,
		"object key %q conflicts with an existing object or prefix (an object and a prefix of the same name cannot coexist as plain files): %v", key, err)
}
