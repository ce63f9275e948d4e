package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quorum-workshop/quorum/internal/listener"
)

// The floor (--floor) is what a fan-out costs on this machine with no
// Quorum in it: this process writes one message to N loopback TCP
// connections, a goroutine per write as the server's connection writers do,
// and a second process, like the generator's workers, reads them on a
// goroutine per connection and stamps each arrival. It is a lower bound for
// the step-change fan-out: the same system calls on the same two cores,
// without HTTP, WebSocket, JSON, SQLite or a room.
//
// The connections are opened as the generator joins its phones, and each
// makes a join's exchange in bare bytes of about a join's sizes (the
// upgrade request and its answer, the hello and the welcome with the first
// state): the floor of a join burst, which the server's CPU per joined
// phone is compared with.

// floorReaderFlag, as the only argument, makes the binary the floor's
// reading process; it takes its orders on stdin.
const floorReaderFlag = "--quorum-load-floor-reader"

// Floor settings: the message is about a phone's state frame; the rounds are
// a few, for the spread between them.
const (
	floorMessageBytes = 800
	floorRounds       = 5
	floorPause        = 300 * time.Millisecond
)

// A join's exchange in the floor, in bytes: what a phone's upgrade request,
// the server's answer, the hello and the welcome with the first state
// about weigh.
const (
	floorRequestBytes = 256
	floorAnswerBytes  = 512
	floorHelloBytes   = 128
	floorWelcomeBytes = 640
)

// floorZeros is what each side of a join's exchange writes: only read, by
// every connection at once.
var floorZeros = make([]byte, max(floorRequestBytes, floorAnswerBytes, floorHelloBytes, floorWelcomeBytes))

// FloorResult is the fan-out of each round, from the first write to each
// arrival, and the kernel's own share of a message.
type FloorResult struct {
	Connections  int    `json:"connections"`
	MessageBytes int    `json:"messageBytes"`
	Rounds       []Dist `json:"rounds"`
	// KernelMicros is one message's write and read over loopback TCP in
	// raw system calls on one thread: no goroutine, no epoll, no second
	// process. Connections times it is the CPU that a fan-out to them costs
	// the kernel alone, whatever the programs on either end do. It is
	// measured on Linux only, and 0 elsewhere.
	KernelMicros float64 `json:"kernelMicros,omitempty"`
	// WriterCPU and ReaderCPU are the CPU time of the writing process (this
	// one) and of the reading one over the rounds, per message, in µs: what
	// the server and the generator are compared with (Linux only).
	WriterCPU *MessageCPU `json:"writerCPU,omitempty"`
	ReaderCPU *MessageCPU `json:"readerCPU,omitempty"`
	// Join is the join burst's floor.
	Join FloorJoin `json:"join"`
}

// FloorJoin is the floor of a join burst: the connections opened as the
// generator opens its phones', each with a join's exchange. Seconds runs
// from the first connection to the last welcome written; WriterCPU is the
// writing process's (the server's stand-in) CPU per connection over it, in
// µs, as the server's CPU per joined phone is reported (Linux only).
type FloorJoin struct {
	Seconds   float64     `json:"seconds"`
	WriterCPU *MessageCPU `json:"writerCPU,omitempty"`
}

// MessageCPU is a process's CPU time per message, user and system, in µs.
type MessageCPU struct {
	User   float64 `json:"userMicros"`
	System float64 `json:"systemMicros"`
}

// perMessage is the CPU time between two readings over messages, or nil if
// either reading failed.
func perMessage(before, after cpuTime, errBefore, errAfter error, messages int) *MessageCPU {
	if errBefore != nil || errAfter != nil || messages == 0 {
		return nil
	}
	used := after.since(before)
	return &MessageCPU{
		User:   float64(used.User.Microseconds()) / float64(messages),
		System: float64(used.System.Microseconds()) / float64(messages),
	}
}

// runFloor measures the floor over n connections from the given source
// addresses, joiners of them joining at once.
func runFloor(ctx context.Context, n, joiners int, sources []string, timeout time.Duration) (*FloorResult, error) {
	// The server's own listener: its accepts make the server's system calls.
	ln, err := listener.Listen(ctx, "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	cmd, orders, out, err := startSelf(ctx, floorReaderFlag)
	if err != nil {
		return nil, fmt.Errorf("start the reader: %w", err)
	}
	defer func() {
		orders.Close()
		_ = cmd.Wait()
	}()
	res := &FloorResult{Connections: n, MessageBytes: floorMessageBytes}
	joinBefore, joinErr := readCPU(os.Getpid())
	joinStart := time.Now()
	fmt.Fprintf(orders, "%s %d %s %d\n", ln.Addr(), n, strings.Join(sources, ","), joiners)

	conns, err := acceptAll(ln.(*net.TCPListener), n, timeout)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	if err != nil {
		return nil, err
	}
	res.Join.Seconds = time.Since(joinStart).Seconds()
	joinAfter, err := readCPU(os.Getpid())
	res.Join.WriterCPU = perMessage(joinBefore, joinAfter, joinErr, err, n)
	reports := json.NewDecoder(out)
	msg := make([]byte, floorMessageBytes)
	res.KernelMicros, err = kernelMessageCost(min(n, kernelPairs), msg, timeout)
	if err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return nil, fmt.Errorf("the kernel's share: %w", err)
	}
	writerBefore, writerErr := readCPU(os.Getpid())
	readerBefore, readerErr := readCPU(cmd.Process.Pid)
	for range floorRounds {
		time.Sleep(floorPause)
		start := time.Now()
		fmt.Fprintf(orders, "%d\n", start.UnixNano())
		var wg sync.WaitGroup
		for _, c := range conns {
			wg.Go(func() {
				_ = c.SetWriteDeadline(time.Now().Add(timeout))
				_, _ = c.Write(msg)
			})
		}
		wg.Wait()
		var d Dist
		if err := reports.Decode(&d); err != nil {
			return nil, fmt.Errorf("the reader's report: %w", err)
		}
		if d.Count < n {
			return nil, fmt.Errorf("the reader got %d of %d messages in time", d.Count, n)
		}
		res.Rounds = append(res.Rounds, d)
	}
	writerAfter, err := readCPU(os.Getpid())
	res.WriterCPU = perMessage(writerBefore, writerAfter, writerErr, err, floorRounds*n)
	readerAfter, err := readCPU(cmd.Process.Pid)
	res.ReaderCPU = perMessage(readerBefore, readerAfter, readerErr, err, floorRounds*n)
	return res, nil
}

// kernelPairs bounds the socket pairs kernelMessageCost opens: two files
// each, beside the floor's own connections, under the open-file limit.
const kernelPairs = 2000

// acceptAll accepts n connections and answers each one's join, on a
// goroutine per connection as an HTTP server does, and returns once every
// welcome is written.
func acceptAll(ln *net.TCPListener, n int, timeout time.Duration) ([]net.Conn, error) {
	_ = ln.SetDeadline(time.Now().Add(timeout))
	conns := make([]net.Conn, 0, n)
	errs := make([]error, n)
	var acceptErr error
	var wg sync.WaitGroup
	for i := range n {
		c, err := ln.Accept()
		if err != nil {
			acceptErr = fmt.Errorf("accept the reader's connection %d of %d: %w", i+1, n, err)
			break
		}
		conns = append(conns, c)
		wg.Go(func() { errs[i] = answerJoin(c, timeout) })
	}
	wg.Wait()
	if acceptErr != nil {
		return conns, acceptErr
	}
	if err := errors.Join(errs...); err != nil {
		return conns, fmt.Errorf("a join's exchange: %w", err)
	}
	return conns, nil
}

// answerJoin is the server's side of a join in the floor: read the
// request, answer, read the hello, write the welcome.
func answerJoin(c net.Conn, timeout time.Duration) error {
	_ = c.SetDeadline(time.Now().Add(timeout))
	defer c.SetDeadline(time.Time{})
	buf := make([]byte, max(floorRequestBytes, floorHelloBytes))
	if _, err := io.ReadFull(c, buf[:floorRequestBytes]); err != nil {
		return err
	}
	if _, err := c.Write(floorZeros[:floorAnswerBytes]); err != nil {
		return err
	}
	if _, err := io.ReadFull(c, buf[:floorHelloBytes]); err != nil {
		return err
	}
	_, err := c.Write(floorZeros[:floorWelcomeBytes])
	return err
}

// joinFloor is the phone's side of a join in the floor: the request, the
// answer, the hello, the welcome.
func joinFloor(c net.Conn, timeout time.Duration) error {
	_ = c.SetDeadline(time.Now().Add(timeout))
	defer c.SetDeadline(time.Time{})
	buf := make([]byte, max(floorAnswerBytes, floorWelcomeBytes))
	if _, err := c.Write(floorZeros[:floorRequestBytes]); err != nil {
		return err
	}
	if _, err := io.ReadFull(c, buf[:floorAnswerBytes]); err != nil {
		return err
	}
	if _, err := c.Write(floorZeros[:floorHelloBytes]); err != nil {
		return err
	}
	_, err := io.ReadFull(c, buf[:floorWelcomeBytes])
	return err
}

// floorReaderMain connects and reads: its first order is "address count
// sources joiners", each next one a round's start in Unix nanoseconds, answered
// with the round's arrivals as a Dist.
func floorReaderMain() int {
	if _, err := raiseFileLimit(); err != nil {
		fmt.Fprintln(os.Stderr, "quorum-load floor:", err)
	}
	if err := readFloor(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quorum-load floor:", err)
		return 1
	}
	return 0
}

func readFloor(in io.Reader, out io.Writer) error {
	orders := bufio.NewScanner(in)
	if !orders.Scan() {
		return errors.New("no connect order")
	}
	var addr, sourceList string
	var n, joiners int
	if _, err := fmt.Sscan(orders.Text(), &addr, &n, &sourceList, &joiners); err != nil {
		return fmt.Errorf("connect order %q: %w", orders.Text(), err)
	}
	sources := strings.Split(sourceList, ",")
	var mu sync.Mutex
	var arrivals []int64
	read := func(c net.Conn) {
		buf := make([]byte, floorMessageBytes)
		for {
			if _, err := io.ReadFull(c, buf); err != nil {
				return
			}
			at := time.Now().UnixNano()
			mu.Lock()
			arrivals = append(arrivals, at)
			mu.Unlock()
		}
	}
	// The connections join as the generator's phones do: joiners at once,
	// each connection's exchange before the next.
	conns := make([]net.Conn, n)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	var next atomic.Int64
	errs := make([]error, n)
	var wg sync.WaitGroup
	for range min(joiners, n) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				d := net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(sources[i%len(sources)])}}
				c, err := d.Dial("tcp", addr)
				if err != nil {
					errs[i] = fmt.Errorf("connection %d: %w", i+1, err)
					return
				}
				conns[i] = c
				if err := joinFloor(c, 10*time.Second); err != nil {
					errs[i] = fmt.Errorf("connection %d's join: %w", i+1, err)
					return
				}
				go read(c)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	enc := json.NewEncoder(out)
	for orders.Scan() {
		var start int64
		if _, err := fmt.Sscan(orders.Text(), &start); err != nil {
			return fmt.Errorf("round order %q: %w", orders.Text(), err)
		}
		deadline := time.Now().Add(10 * time.Second)
		var got []int64
		for done := false; !done; {
			time.Sleep(5 * time.Millisecond)
			mu.Lock()
			if done = len(arrivals) >= n || time.Now().After(deadline); done {
				got, arrivals = arrivals, nil
			}
			mu.Unlock()
		}
		lat := make([]float64, len(got))
		for i, at := range got {
			lat[i] = ms(at - start)
		}
		if err := enc.Encode(distOf(lat)); err != nil {
			return err
		}
	}
	return orders.Err()
}

// print writes the floor as a small table.
func (f *FloorResult) print(out io.Writer) {
	fmt.Fprintf(out, "bare TCP fan-out, no Quorum: %d bytes to %d loopback connections, a goroutine per write; read by a second process, a goroutine per connection\n", f.MessageBytes, f.Connections)
	for i, d := range f.Rounds {
		fmt.Fprintf(out, "round %d: p50 / p99 / max  %s\n", i+1, fmtDist(d, false))
	}
	for _, p := range []struct {
		name string
		cpu  *MessageCPU
	}{{"writer", f.WriterCPU}, {"reader", f.ReaderCPU}} {
		if p.cpu != nil {
			fmt.Fprintf(out, "the %s's CPU a message: user %.1f µs, system %.1f µs\n", p.name, p.cpu.User, p.cpu.System)
		}
	}
	fmt.Fprintf(out, "join burst: %d connections, each with a join's exchange (%d, %d, %d and %d bytes), in %.2f s", f.Connections,
		floorRequestBytes, floorAnswerBytes, floorHelloBytes, floorWelcomeBytes, f.Join.Seconds)
	if cpu := f.Join.WriterCPU; cpu != nil {
		fmt.Fprintf(out, "; the writer's CPU a connection: user %.1f µs, system %.1f µs", cpu.User, cpu.System)
	}
	fmt.Fprintln(out)
	if f.KernelMicros == 0 {
		fmt.Fprintln(out, "the kernel alone: measured on Linux only")
		return
	}
	cpu := f.KernelMicros * float64(f.Connections) / 1000
	fmt.Fprintf(out, "the kernel alone: %.1f µs to write and read one message over loopback TCP (raw system calls, one thread); %d messages: %.0f ms of CPU, %.0f ms on two cores\n",
		f.KernelMicros, f.Connections, cpu, cpu/2)
}
