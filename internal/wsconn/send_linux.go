package wsconn

import (
	"syscall"
	"unsafe"
)

// send writes p to the socket fd with send(2), which goes to the socket
// directly; write(2) passes through the file layer first (the descriptor's
// position lock, vfs_write, fsnotify), a tenth of a loopback delivery's
// own kernel time in a profile of the step change. uWebSockets writes with
// send too.
func send(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, errno := syscall.Syscall6(syscall.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), 0, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
