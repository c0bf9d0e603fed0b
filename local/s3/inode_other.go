//go:build !unix

package s3local

import "io/fs"

// inode is unavailable here; size and modification time alone identify an
// object version.
func inode(fs.FileInfo) uint64 { return 0 }
