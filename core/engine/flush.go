package engine

import (
	"bytes"
	"runtime"
	"sync"
	"sync/atomic"
)

// A flusher writes the queued frames of many WebSocket sessions from one
// goroutine, so that a broadcast to N sessions costs one goroutine and N
// non-blocking sends instead of N writer goroutines. A session goes to a
// flusher when packets are queued and no writer runs (kickLocked); the
// flusher frames the session's whole queue and offers it to the socket
// without waiting (rawSender). When the socket takes less than all of it
// (a slow client), the rest goes to a writer goroutine of the session's own,
// which waits for the socket under Options.WriteTimeout (writeRest), so a
// stalled client never holds up the others.
//
// Only connections whose descriptor the engine can reach are flushed here
// (plain TCP on Linux, see rawConnOf); the others always use a writer
// goroutine. A Server has one flusher per GOMAXPROCS, so that several cores
// write at once; a flusher's goroutine runs only while sessions wait for it.
type flusher struct {
	srv *Server

	mu      sync.Mutex
	pending []flushItem
	running bool

	// The running goroutine's own.
	spare []flushItem
	batch []Packet
	buf   []byte
	raw   rawSender
}

type flushItem struct {
	s *Session
	w *wsConn
}

// flushers is a Server's set of flushers.
type flushers struct {
	all  []*flusher
	next atomic.Uint32
}

func (fs *flushers) init(srv *Server) {
	fs.all = make([]*flusher, runtime.GOMAXPROCS(0))
	for i := range fs.all {
		fs.all[i] = &flusher{srv: srv}
		fs.all[i].raw.init()
	}
}

// pick returns the flusher for one writer round; rounds spread over all.
func (fs *flushers) pick() *flusher {
	if len(fs.all) == 1 {
		return fs.all[0]
	}
	return fs.all[fs.next.Add(1)%uint32(len(fs.all))]
}

// add queues a session for a round; the caller holds s.mu and has set
// s.writing, so a session waits in at most one flusher at a time.
func (f *flusher) add(it flushItem) {
	f.mu.Lock()
	f.pending = append(f.pending, it)
	if !f.running {
		f.running = true
		f.srv.spawn(f.run)
	}
	f.mu.Unlock()
}

func (f *flusher) run() {
	for {
		f.mu.Lock()
		items := f.pending
		if len(items) == 0 {
			f.running = false
			f.mu.Unlock()
			return
		}
		f.pending = f.spare[:0]
		f.mu.Unlock()
		for i := range items {
			f.flush(items[i])
			items[i] = flushItem{}
		}
		f.spare = items[:0]
	}
}

// flush runs one writer round for it.s: everything queued, framed into one
// buffer, offered to the socket at once.
func (f *flusher) flush(it flushItem) {
	s, w := it.s, it.w
	s.mu.Lock()
	if !s.roundDoneLocked() {
		s.mu.Unlock()
		return
	}
	batch := s.takeRoundLocked(f.batch)
	s.mu.Unlock()

	buf := f.buf[:0]
	for _, p := range batch {
		if w.eio3 { // see writeBatch
			buf = appendFrame3(buf, p, w.b64)
		} else {
			buf = appendFrame(buf, p)
		}
	}
	clear(batch)
	f.batch = batch[:0]
	if cap(buf) <= wsKeepBufSize {
		f.buf = buf[:0] // buf stays usable below: only the next round reuses it
	} else {
		f.buf = nil
	}

	if !w.wmu.TryLock() {
		// The reader is writing a control frame: a writer goroutine waits
		// for it rather than the flusher.
		rest := bytes.Clone(buf)
		s.srv.spawn(func() {
			w.wmu.Lock()
			s.writeRest(w, rest)
		})
		return
	}
	n, err := w.sendNow(&f.raw, buf)
	if err == nil && n < len(buf) {
		// The socket is full: the rest waits on a goroutine that keeps
		// the write lock, so no other frame comes between.
		rest := bytes.Clone(buf[n:])
		s.srv.spawn(func() { s.writeRest(w, rest) })
		return
	}
	w.wmu.Unlock()
	s.mu.Lock()
	if err != nil {
		s.closeLocked(ReasonTransportError, err)
	}
	if s.roundDoneLocked() {
		f.add(it) // more was queued meanwhile: after the others
	}
	s.mu.Unlock()
}

// writeRest finishes a round the flusher began, with w.wmu held by the
// caller: it writes rest (waiting for the socket, under WriteTimeout),
// releases the lock and carries on as the session's writer goroutine.
func (s *Session) writeRest(w *wsConn, rest []byte) {
	err := w.writeLocked(rest)
	w.wmu.Unlock()
	if err != nil {
		s.mu.Lock()
		s.closeLocked(ReasonTransportError, err)
		s.roundDoneLocked()
		s.mu.Unlock()
		return
	}
	s.writeLoop(w)
}
