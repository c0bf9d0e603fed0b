package store

import (
	"fmt"
	"strings"
)

// URI names an S3 object (or, with an empty or '/'-terminated Key, a
// prefix) as s3://bucket/key.
type URI struct {
	Bucket string
	Key    string
}

// ParseURI parses "s3://bucket/key". The key may be empty ("s3://bucket" or
// "s3://bucket/") to name a whole bucket as a prefix. The bucket must follow
// the S3 general-purpose bucket naming rules.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
func ParseURI(s string) (URI, error) {
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		return URI{}, fmt.Errorf("parse s3 uri %q: must start with s3://", s)
	}
	bucket, key, _ := strings.Cut(rest, "/")
	if err := ValidateBucket(bucket); err != nil {
		return URI{}, fmt.Errorf("parse s3 uri %q: %w", s, err)
	}
	return URI{Bucket: bucket, Key: key}, nil
}

// MustParseURI is ParseURI for constants in tests and examples; it panics on
// a malformed URI.
func MustParseURI(s string) URI {
	u, err := ParseURI(s)
	if err != nil {
		panic(err)
	}
	return u
}

// String formats the URI as s3://bucket/key.
func (u URI) String() string {
	return "s3://" + u.Bucket + "/" + u.Key
}

// Join returns the URI of a key below u: elements are joined with single
// slashes, so Join on "s3://b/runs/" and "x", "report.json" gives
// "s3://b/runs/x/report.json".
func (u URI) Join(elem ...string) URI {
	key := u.Key
	for _, e := range elem {
		e = strings.Trim(e, "/")
		if e == "" {
			continue
		}
		if key != "" && !strings.HasSuffix(key, "/") {
			key += "/"
		}
		key += e
	}
	return URI{Bucket: u.Bucket, Key: key}
}

// ValidateBucket checks a bucket name against the S3 naming rules: 3 to 63
// characters of lowercase letters, digits, dots and hyphens, starting and
// ending with a letter or digit, with no two adjacent dots.
func ValidateBucket(name string) error {
	if len(name) < 3 || len(name) > 63 {
		return fmt.Errorf("bucket name %q must be 3 to 63 characters long", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '.' || c == '-':
			if i == 0 || i == len(name)-1 {
				return fmt.Errorf("bucket name %q must start and end with a lowercase letter or digit", name)
			}
			if c == '.' && name[i-1] == '.' {
				return fmt.Errorf("bucket name %q must not contain two adjacent dots", name)
			}
		default:
			return fmt.Errorf("bucket name %q may contain only lowercase letters, digits, '.' and '-' (found %q)", name, c)
		}
	}
	return nil
}
