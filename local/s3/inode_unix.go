//go:build unix

package s3local

import (
	"io/fs"
	"syscall"
)

// inode identifies the file behind fi. Every write creates a new file that is
// renamed into place, so the inode tells two versions of an object apart even
// when they have the same size and the coarse file-system clock gave them the
// same modification time.
func inode(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}
