package wsconn

import (
	"runtime"
	"sync"
	"syscall"
)

// The poller: connections between messages wait in one epoll set, not in a
// goroutine each. Ten thousand idle phones cost no stacks (about 4 KiB
// each, almost half of what a phone cost), no goroutines for the garbage
// collector to scan, and no park and wake-up around each message. A
// goroutine blocks in epoll_wait for them all; when a socket becomes
// readable, a goroutine starts that reads it until it would block.
type poller struct {
	epfd int

	mu    sync.Mutex
	conns []*conn // by descriptor
}

var thePoller = sync.OnceValue(func() *poller {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil // connections read on a goroutine each
	}
	p := &poller{epfd: fd}
	go p.run()
	return p
})

// startReading has the connection's next bytes read when they come: by
// the poller, or by a goroutine of its own where there is no poller or no
// socket to poll.
func startReading(c *conn) {
	p := thePoller()
	if p == nil || !c.raw.ok || !p.add(c) {
		go c.readBlocking()
	}
}

// stopPolling takes a connection whose read side has ended out of the
// epoll set, before its socket is closed and its descriptor reused.
func stopPolling(c *conn) {
	if c.polled.Load() {
		c.poller.remove(c)
	}
}

// add watches c's socket, edge-triggered: a readiness is reported once,
// and c's reader reads until the socket would block. A socket that is
// readable already is reported at once.
func (p *poller) add(c *conn) bool {
	fd := c.raw.fd
	p.mu.Lock()
	for fd >= len(p.conns) {
		p.conns = append(p.conns, nil)
	}
	p.conns[fd] = c
	p.mu.Unlock()
	c.poller = p
	c.polled.Store(true)
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | epollET, Fd: int32(fd)}
	if err := syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		p.forget(fd, c)
		c.polled.Store(false)
		return false
	}
	return true
}

// wakeReader has a polled connection's reader see that reading must stop:
// one starts if none runs.
func wakeReader(c *conn) {
	if c.polled.Load() {
		c.readable()
	}
}

// epollET is EPOLLET as the uint32 of an event's mask.
const epollET = 1 << 31

func (p *poller) remove(c *conn) {
	fd := c.raw.fd
	_ = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, fd, nil)
	p.forget(fd, c)
}

func (p *poller) forget(fd int, c *conn) {
	p.mu.Lock()
	if fd < len(p.conns) && p.conns[fd] == c {
		p.conns[fd] = nil
	}
	p.mu.Unlock()
}

func (p *poller) run() {
	events := make([]syscall.EpollEvent, 256)
	for {
		n, err := syscall.EpollWait(p.epfd, events, -1)
		if err != nil {
			continue // EINTR, the one error of a valid set and buffer
		}
		p.mu.Lock()
		for _, ev := range events[:n] {
			// A readiness reported just before its socket left the set
			// may name the descriptor's next connection: that one reads,
			// finds nothing, and waits again.
			if fd := int(ev.Fd); fd < len(p.conns) && p.conns[fd] != nil {
				p.conns[fd].readable()
			}
		}
		p.mu.Unlock()
		// The readers just started wait on this goroutine's P, which
		// epoll_wait would hold in its system call until the runtime took
		// it back (20 µs to 10 ms): let them run first.
		runtime.Gosched()
	}
}

// readable starts a reader for c unless one runs; if one runs, it reads
// again before it stops.
func (c *conn) readable() {
	for {
		switch c.readState.Load() {
		case readIdle:
			if c.readState.CompareAndSwap(readIdle, readBusy) {
				go c.readReady()
				return
			}
		case readBusy:
			if c.readState.CompareAndSwap(readBusy, readAgain) {
				return
			}
		default: // readAgain, readDone
			return
		}
	}
}

// readReady reads c's socket until it would block, then stops, unless it
// became readable again meanwhile.
func (c *conn) readReady() {
	for {
		if !c.readSocket() {
			c.endReading()
			return
		}
		if c.readState.CompareAndSwap(readBusy, readIdle) {
			return
		}
		c.readState.Store(readBusy) // readAgain: read once more
	}
}

// readSocket reads what the socket holds, and reports whether to go on
// reading. It reads the descriptor itself, without the runtime's poller:
// the socket is closed only by endReading, which runs on this goroutine.
func (c *conn) readSocket() bool {
	bp := readBuffers.Get().(*[]byte)
	defer readBuffers.Put(bp)
	for !c.stopRead.Load() {
		n, err := syscall.Read(c.raw.fd, *bp)
		switch {
		case n > 0:
			if !c.consume((*bp)[:n]) {
				return false
			}
		case err == syscall.EAGAIN:
			return true
		case err == syscall.EINTR:
		default: // the client closed (n == 0), or the socket failed
			return false
		}
	}
	return false
}
