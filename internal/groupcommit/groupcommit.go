// Package groupcommit lets concurrent callers share a store's transactions,
// and so its fsyncs. A call waits for a worker; a worker takes every call
// waiting then and commits them in one transaction. If that fails, it
// commits each in a transaction of its own, so that a bad call fails alone
// and the others still commit.
package groupcommit

import (
	"context"
	"sync"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// Batch limits: enough to spread one fsync over thousands of records, few
// enough to keep a transaction, and the wait of its first caller, short.
const (
	maxBatchCalls   = 1024
	maxBatchRecords = 10_000
)

// Queue takes requests of type R to a store's commit function.
type Queue[R any] struct {
	commit  func(batch []R) error // commits batch in one transaction, in order
	records func(R) int           // how many records a request holds

	calls     chan *call[R] // unbuffered: a call is accepted when a worker takes it
	closing   chan struct{} // closed by Close: no more calls are accepted
	workers   sync.WaitGroup
	closeOnce sync.Once
}

type call[R any] struct {
	req  R
	done chan error // buffered, so that a worker never waits for the caller
}

// New starts workers goroutines that commit requests with commit; records
// says how many records a request holds, for the size of a batch.
func New[R any](workers int, commit func(batch []R) error, records func(R) int) *Queue[R] {
	q := &Queue[R]{
		commit:  commit,
		records: records,
		calls:   make(chan *call[R]),
		closing: make(chan struct{}),
	}
	for range workers {
		q.workers.Go(q.run)
	}
	return q
}

// Commit hands req to a worker and returns once it is committed, or has
// failed. ctx bounds only the wait for a worker to accept it; once accepted,
// the request is finished, and Commit reports how it went.
func (q *Queue[R]) Commit(ctx context.Context, req R) error {
	if err := q.Err(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	c := &call[R]{req: req, done: make(chan error, 1)}
	select {
	case q.calls <- c:
	case <-q.closing:
		return quorum.ErrShuttingDown()
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-c.done
}

// Err is an error coded unavailable once the queue is closed, and nil before.
func (q *Queue[R]) Err() error {
	select {
	case <-q.closing:
		return quorum.ErrShuttingDown()
	default:
		return nil
	}
}

// Close stops accepting requests and waits for the workers to finish the
// ones they have accepted. It is safe to call more than once.
func (q *Queue[R]) Close() {
	q.closeOnce.Do(func() {
		close(q.closing)
		q.workers.Wait()
	})
}

// run is one worker. Calls queue on the unbuffered channel while the workers
// commit; the first free worker then takes all of them at once.
func (q *Queue[R]) run() {
	var batch []*call[R]
	var reqs []R
	for {
		select {
		case <-q.closing:
			return
		case c := <-q.calls:
			batch = q.gather(append(batch[:0], c))
			reqs = reqs[:0]
			for _, c := range batch {
				reqs = append(reqs, c.req)
			}
			q.commitBatch(batch, reqs)
			// Let the records go before the next call arrives.
			clear(batch)
			clear(reqs)
		}
	}
}

// gather adds the calls already waiting to batch, without waiting for more.
func (q *Queue[R]) gather(batch []*call[R]) []*call[R] {
	records := q.records(batch[0].req)
	for len(batch) < maxBatchCalls && records < maxBatchRecords {
		select {
		case c := <-q.calls:
			batch = append(batch, c)
			records += q.records(c.req)
		default:
			return batch
		}
	}
	return batch
}

// commitBatch commits reqs, the requests of batch, in one transaction and
// answers every call; if that fails, it commits each request alone.
func (q *Queue[R]) commitBatch(batch []*call[R], reqs []R) {
	err := q.commit(reqs)
	if err != nil && len(reqs) > 1 {
		for i, c := range batch {
			c.done <- q.commit(reqs[i : i+1])
		}
		return
	}
	for _, c := range batch {
		c.done <- err
	}
}
