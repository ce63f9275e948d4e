package main

import (
	"syscall"
	"time"
)

// The kernel's share of a message is measured with Linux's socket calls
// (SOCK_CLOEXEC, accept4); floor_other.go leaves it out elsewhere.

// kernelMessageCost opens n loopback TCP socket pairs with raw system calls,
// writes msg to every pair, then reads every pair, a few times over, on one
// thread with blocking sockets: what a message costs in the kernel alone.
// It returns the time per message in microseconds. A read waits at most
// timeout, so that a message that never comes fails the floor instead of
// hanging it.
func kernelMessageCost(n int, msg []byte, timeout time.Duration) (float64, error) {
	lfd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer syscall.Close(lfd)
	if err := syscall.Bind(lfd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return 0, err
	}
	if err := syscall.Listen(lfd, n); err != nil {
		return 0, err
	}
	addr, err := syscall.Getsockname(lfd)
	if err != nil {
		return 0, err
	}
	var fds []int
	defer func() {
		for _, fd := range fds {
			syscall.Close(fd)
		}
	}()
	writers, readers := make([]int, n), make([]int, n)
	for i := range n {
		if writers[i], err = syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0); err != nil {
			return 0, err
		}
		fds = append(fds, writers[i])
		if err := syscall.Connect(writers[i], addr); err != nil {
			return 0, err
		}
		// Go sets TCP_NODELAY on its connections, as the server's are.
		if err := syscall.SetsockoptInt(writers[i], syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1); err != nil {
			return 0, err
		}
		if readers[i], _, err = syscall.Accept4(lfd, syscall.SOCK_CLOEXEC); err != nil {
			return 0, err
		}
		fds = append(fds, readers[i])
		tv := syscall.NsecToTimeval(timeout.Nanoseconds())
		if err := syscall.SetsockoptTimeval(readers[i], syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
			return 0, err
		}
	}
	const passes = 5
	buf := make([]byte, 2*len(msg))
	start := time.Now()
	for range passes {
		for _, fd := range writers {
			if _, err := syscall.Write(fd, msg); err != nil {
				return 0, err
			}
		}
		for _, fd := range readers {
			// A message of a few hundred bytes arrives whole on loopback;
			// a short read would only make the figure smaller.
			if _, err := syscall.Read(fd, buf); err != nil {
				return 0, err
			}
		}
	}
	return float64(time.Since(start).Microseconds()) / float64(passes*n), nil
}
