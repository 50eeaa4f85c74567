package sioredis

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

// streamReader reads one stream for every namespace of a factory that
// uses it (Node keeps one reading connection per stream, too) and delivers
// its entries, one at a time and in stream order, this server's own
// broadcasts included: every local socket gets the namespace's broadcasts
// in the stream's order, whichever server made them, and a session
// restore (StreamsAdapter.RestoreSession) takes deliverMu to fall between
// two entries.
type streamReader struct {
	c      StreamsClient
	stream string
	opts   StreamsOptions
	log    *slog.Logger

	mu       sync.Mutex
	cond     *sync.Cond
	adapters map[string]*StreamsAdapter // by namespace
	pending  map[string]*ownEntry       // our entries whose XADD returned, by id
	inflight int                        // our XADDs not answered yet
	seen     streamID                   // last id handled (a copy of last, under mu)

	// deliverMu is held while an entry is handled, and by restores.
	deliverMu sync.Mutex
	last      streamID // last id handled; written under deliverMu by run

	ready  chan struct{} // closed once last is known
	cancel context.CancelFunc
	done   chan struct{}
	down   atomic.Bool
}

// ownEntry is a broadcast of this server waiting in the stream for its
// turn to be delivered here.
type ownEntry struct {
	a       *StreamsAdapter
	p       *parser.Packet
	opts    adapter.BroadcastOptions
	deliver func(*parser.Packet) error // EmitToSocket's, or nil
	state   atomic.Int32               // ownWaiting, ownTaken, ownAbandoned
	err     error
	done    chan struct{}
}

const (
	ownWaiting = iota
	ownTaken
	ownAbandoned
)

func newStreamReader(c StreamsClient, stream string, o StreamsOptions) *streamReader {
	ctx, cancel := context.WithCancel(context.Background())
	r := &streamReader{
		c: c, stream: stream, opts: o,
		log:      o.Logger.With("stream", stream),
		adapters: make(map[string]*StreamsAdapter),
		pending:  make(map[string]*ownEntry),
		ready:    make(chan struct{}),
		cancel:   cancel,
		done:     make(chan struct{}),
	}
	r.cond = sync.NewCond(&r.mu)
	go r.run(ctx)
	return r
}

// stop ends the reading and waits for it (at most one BlockTime when the
// client cannot interrupt a blocked read).
func (r *streamReader) stop() {
	r.cancel()
	<-r.done
}

func (r *streamReader) report(err error) {
	r.log.Warn(err.Error())
	if r.opts.OnError != nil {
		r.opts.OnError(err)
	}
}

// run starts after the stream's last entry (Node starts at "$"; asking
// for the last id once and reading after it from then on misses nothing
// between two reads) and reads until stopped. After an error it waits and
// reads again after the last id handled: after Redis restarts, reading
// resumes where it stopped, and entries already handled are skipped.
func (r *streamReader) run(ctx context.Context) {
	defer close(r.done)
	backoff := 50 * time.Millisecond
	pause := func() bool {
		t := time.NewTimer(backoff)
		defer t.Stop()
		backoff = min(2*backoff, 2*time.Second)
		select {
		case <-t.C:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		cctx, cancel := context.WithTimeout(ctx, r.opts.RequestsTimeout)
		id, err := r.c.XLastID(cctx, r.stream)
		cancel()
		if err == nil {
			if r.last, err = parseStreamID(id); err == nil {
				break
			}
		}
		if ctx.Err() != nil {
			return
		}
		r.failed(err)
		if !pause() {
			return
		}
	}
	r.mu.Lock()
	r.seen = r.last
	r.mu.Unlock()
	close(r.ready)
	for ctx.Err() == nil {
		entries, err := r.c.XRead(ctx, r.stream, r.last.String(), r.opts.ReadCount, r.opts.BlockTime)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			r.failed(err)
			if !pause() {
				return
			}
			continue
		}
		backoff = 50 * time.Millisecond
		if r.down.CompareAndSwap(true, false) {
			r.log.Info("sioredis: reading the stream again", "after", r.last.String())
		}
		for _, e := range entries {
			r.handle(e)
		}
	}
}

func (r *streamReader) failed(err error) {
	if r.down.CompareAndSwap(false, true) {
		r.report(fmt.Errorf("%w: reading stream %s: %w", ErrRedisDown, r.stream, err))
	}
}

// handle delivers one entry, unless it was handled already.
func (r *streamReader) handle(e StreamEntry) {
	id, err := parseStreamID(e.ID)
	if err != nil {
		return
	}
	r.deliverMu.Lock()
	defer r.deliverMu.Unlock()
	if !r.last.less(id) {
		return // read again after a reconnection
	}
	r.dispatch(e)
	r.last = id
	r.mu.Lock()
	r.seen = id
	r.cond.Broadcast() // restores may wait for the reader to reach an id
	r.mu.Unlock()
}

// reach waits until the reader has handled id, or ctx is done.
func (r *streamReader) reach(ctx context.Context, id streamID) error {
	stop := context.AfterFunc(ctx, func() {
		r.mu.Lock()
		r.cond.Broadcast()
		r.mu.Unlock()
	})
	defer stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.seen.less(id) {
		if err := ctx.Err(); err != nil {
			return err
		}
		r.cond.Wait()
	}
	return nil
}

// dispatch hands the entry to its namespace's adapter. deliverMu is held.
func (r *streamReader) dispatch(e StreamEntry) {
	nsp := e.Fields["nsp"]
	if nsp == "" {
		return
	}
	r.mu.Lock()
	a := r.adapters[nsp]
	r.mu.Unlock()
	if a == nil {
		return
	}
	if e.Fields["uid"] == a.uid {
		if e.Fields["type"] == "3" {
			r.deliverOwn(a, e)
		}
		return // our joins, leaves and disconnects were applied when made
	}
	m, err := decodeEntry(e.Fields)
	if err != nil {
		a.report(fmt.Errorf("sioredis: ignoring malformed stream entry %s: %w", e.ID, err))
		return
	}
	a.onMessage(m, e.ID)
}

// deliverOwn delivers one of our broadcasts as its sender asked. Its
// XADD may not have returned yet: wait for it to register the entry
// (Redis has answered; the answer is on its way), as long as one of our
// XADDs is unanswered. An entry nobody waits for any more (its sender gave
// up, or a previous process of ours wrote it) is delivered from its
// content.
func (r *streamReader) deliverOwn(a *StreamsAdapter, e StreamEntry) {
	r.mu.Lock()
	own := r.pending[e.ID]
	for own == nil && r.inflight > 0 {
		r.cond.Wait()
		own = r.pending[e.ID]
	}
	delete(r.pending, e.ID)
	r.mu.Unlock()
	if own == nil || !own.state.CompareAndSwap(ownWaiting, ownTaken) {
		m, err := decodeEntry(e.Fields)
		if err == nil {
			a.onEntry(m, e.ID)
		}
		return
	}
	p := own.p
	if a.recovery() && adapter.Recordable(p, own.opts.Flags) {
		p = adapter.WithOffset(p, e.ID)
	}
	if own.deliver != nil {
		own.err = own.deliver(p)
	} else {
		opts := own.opts
		opts.Flags.Local, opts.Flags.Timeout = true, 0
		own.err = a.Memory.Broadcast(p, opts)
	}
	close(own.done)
}

// add appends an entry of ours and, with own, waits until the reader
// delivered it here (bounded by RequestsTimeout): a send returns once its
// local sockets have it, in the stream's order.
func (r *streamReader) add(ctx context.Context, fields []string, own *ownEntry) error {
	ctx, cancel := context.WithTimeout(ctx, r.opts.RequestsTimeout)
	defer cancel()
	// An entry added before the reader knows where it starts could fall
	// before its start and never be delivered here.
	select {
	case <-r.ready:
	case <-ctx.Done():
		return fmt.Errorf("%w: the stream %s is not read yet", ErrRedisDown, r.stream)
	}
	r.mu.Lock()
	r.inflight++
	r.mu.Unlock()
	id, err := r.c.XAdd(ctx, r.stream, r.opts.MaxLen, fields)
	r.mu.Lock()
	r.inflight--
	handled := true
	if err == nil && own != nil {
		if sid, perr := parseStreamID(id); perr == nil && r.seen.less(sid) {
			r.pending[id] = own
			handled = false
		}
	}
	r.cond.Broadcast()
	r.mu.Unlock()
	if err != nil || own == nil || handled {
		return err
	}
	select {
	case <-own.done:
		return own.err
	case <-ctx.Done():
	}
	if own.state.CompareAndSwap(ownWaiting, ownAbandoned) {
		r.mu.Lock()
		delete(r.pending, id)
		r.mu.Unlock()
		return fmt.Errorf("%w: the stream reader did not deliver %s", ErrTimeout, id)
	}
	<-own.done // taken meanwhile: being delivered now
	return own.err
}
