package engine

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/fasthttp/websocket"
)

// wsConn is one WebSocket connection. Its reader owns it: it is the only one
// to read and the one to close it. The reader is one goroutine at a time (it
// hands over to a fresh goroutine between bursts, see readLoop). Data frames
// are written by one writer at a time, a flusher or the session's writer
// goroutine; the probe answer and control frames are written by the reader.
// Every write holds wmu, so frames never interleave.
type wsConn struct {
	nc           net.Conn
	raw          syscall.RawConn // nc's descriptor, nil when it cannot be reached
	wmu          sync.Mutex      // held for each write, across a flusher's hand-over
	closed       bool            // under wmu: shutdown is done, nothing more is written
	closing      atomic.Bool     // shutdown began: no writer may block any more
	pre          []byte          // read first: bytes taken over from fasthttp's reader
	outlives     bool            // the connection outlives the Upgrader's run (connKeeper)
	writeTimeout time.Duration
	readLimit    int64
	poller       *idlePoller // the Server's
	tok          uint64      // while parked in poller: its token; guarded by poller.mu
	interrupted  atomic.Bool // set by interrupt, before the read deadline
	eio3         bool        // Engine.IO 3 framing (eio3.go); set before the reader starts
	b64          bool        // Engine.IO 3: binary messages go as base64 text frames

	// The reader's own state.
	head      [1]byte // read by the idle wait, not yet parsed
	hasHead   bool
	closeSent bool
	// done, when not nil, is closed when the reading ended: the Upgrader
	// closes the connection once run returns, so run waits for it.
	done chan struct{}
}

// newWSConn takes over c's network connection for srv; the engine reads and
// writes frames itself, so c, with its buffers, is dropped. The upgrade has
// not read from c, and bytes the client sent early come through
// c.UnderlyingConn(). up is the Upgrader that made c.
func newWSConn(c *websocket.Conn, srv *Server, up Upgrader) *wsConn {
	nc := c.UnderlyingConn()
	k, ok := up.(connKeeper)
	outlives := ok && k.keepsConn()
	var pre []byte
	fu, hijacked := up.(*fastUpgrader)
	if hijacked && fu.keep {
		nc, pre, outlives = takeHijacked(nc)
	}
	return &wsConn{
		nc:           nc,
		pre:          pre,
		outlives:     outlives,
		raw:          rawConnOf(nc, hijacked),
		writeTimeout: srv.opts.WriteTimeout,
		readLimit:    srv.opts.MaxHTTPBufferSize,
		poller:       &srv.poller,
	}
}

// interrupt makes the blocked read return, or resumes the parked reader, so
// the reader closes the connection. Safe from any goroutine.
func (w *wsConn) interrupt() {
	w.interrupted.Store(true)
	_ = w.nc.SetReadDeadline(time.Unix(1, 0))
	if s, ok := w.poller.take(w); ok {
		go s.resume(w)
	}
}

// shutdown sends a close frame (briefly bounded) and closes the connection.
// A writer blocked on a client that stopped reading would hold wmu until its
// WriteTimeout; the expired deadline cuts it short (a writer that sets its
// own deadline afterwards sees closing and gives up). Once shutdown holds
// wmu nothing more is written: with fasthttp the connection wrapper goes
// back to a pool when the reader ends.
func (w *wsConn) shutdown() {
	w.closing.Store(true)
	_ = w.nc.SetWriteDeadline(time.Unix(1, 0))
	w.wmu.Lock()
	_ = w.writeControlLocked(opClose, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	w.closed = true
	w.wmu.Unlock()
	_ = w.nc.Close()
}

// writeBatch writes ps, the packets of one writer round, under one write
// deadline. It frames them into one buffer and writes that buffer with a
// single Write when it stays under wsFlushSize, so a backlog of queued
// packets costs one syscall instead of one per packet.
func (w *wsConn) writeBatch(ps []Packet) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if err := w.beginBlockingWrite(); err != nil {
		return err
	}
	nc := w.nc
	bp := frameBufs.Get().(*[]byte)
	buf := (*bp)[:0]
	var err error
	for _, p := range ps {
		if w.eio3 { // not w.frame: one call per packet, as before Engine.IO 3
			buf = appendFrame3(buf, p, w.b64)
		} else {
			buf = appendFrame(buf, p)
		}
		if len(buf) >= wsFlushSize {
			if _, err = nc.Write(buf); err != nil {
				break
			}
			buf = buf[:0]
		}
	}
	if err == nil && len(buf) > 0 {
		_, err = nc.Write(buf)
	}
	if cap(buf) <= wsKeepBufSize {
		*bp = buf[:0]
		frameBufs.Put(bp)
	}
	return err
}

// writeText writes one packet as a text frame (the probe answer).
func (w *wsConn) writeText(p Packet) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	return w.writeLocked(w.frame(nil, p))
}

// writeLocked writes b under WriteTimeout; the caller holds wmu.
func (w *wsConn) writeLocked(b []byte) error {
	if err := w.beginBlockingWrite(); err != nil {
		return err
	}
	_, err := w.nc.Write(b)
	return err
}

// beginBlockingWrite sets the WriteTimeout deadline for a write that may
// wait for the client, unless the connection is shut down or shutting down;
// the caller holds wmu.
func (w *wsConn) beginBlockingWrite() error {
	if w.closed {
		return net.ErrClosed
	}
	if err := w.nc.SetWriteDeadline(time.Now().Add(w.writeTimeout)); err != nil {
		return err
	}
	if w.closing.Load() { // after the deadline: see shutdown
		return net.ErrClosed
	}
	return nil
}

const (
	// wsLinger is how long a reader that handled frames waits for more
	// before the connection counts as idle and is parked.
	wsLinger = 20 * time.Millisecond
	// wsReadBufferSize is the read buffer size given to the upgraders. The
	// engine never reads through the library's connection; a size (rather
	// than 0) only keeps the net/http upgrader from adopting the hijacked
	// 4 KiB reader, so that early bytes reach UnderlyingConn().
	wsReadBufferSize = 1
	// wsFlushSize is the size past which a writer round writes what it has
	// framed so far.
	wsFlushSize = 64 << 10
	// wsKeepBufSize: larger frame buffers (grown by a large message) are
	// left to the GC instead of being pooled.
	wsKeepBufSize = 256 << 10
)

// frameBufs recycles the writers' frame buffers: an idle session holds none.
var frameBufs = sync.Pool{New: func() any {
	b := make([]byte, 0, 8<<10)
	return &b
}}

// Read feeds the borrowed bufio.Reader: first the bytes taken over from
// fasthttp's reader (pre, before any idle wait), then the byte of the idle
// wait, then the connection. A frame is at least 6 bytes, so after that byte more
// are due and reading on cannot wait for nothing.
func (w *wsConn) Read(p []byte) (int, error) {
	if len(w.pre) > 0 {
		n := copy(p, w.pre)
		if w.pre = w.pre[n:]; len(w.pre) == 0 {
			w.pre = nil
		}
		return n, nil
	}
	if !w.hasHead || len(p) == 0 {
		return w.nc.Read(p)
	}
	w.hasHead = false
	p[0] = w.head[0]
	if len(p) == 1 {
		return 1, nil
	}
	n, err := w.nc.Read(p[1:])
	return n + 1, err
}

// waitData blocks until the client sends a byte, which it keeps in w.head:
// the wait of an idle connection, with no read buffer and a shallow stack.
// Bytes taken over from fasthttp (pre) need no wait.
func (w *wsConn) waitData() error {
	if len(w.pre) > 0 {
		return nil
	}
	for {
		n, err := w.nc.Read(w.head[:])
		if n == 1 {
			w.hasHead = true
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// borrowReader returns a pooled read buffer reading from w.
func (w *wsConn) borrowReader() *bufio.Reader {
	br := wsReaders.Get().(*bufio.Reader)
	br.Reset(w)
	return br
}

// releaseReader returns br to the pool; it must hold no unread byte.
func releaseReader(br *bufio.Reader) {
	br.Reset(nil)
	wsReaders.Put(br)
}

// readPacket reads and decodes the next message. A message that does not
// decode, or a text message that is not valid UTF-8 (RFC 6455 requires it;
// Node's ws closes such a connection too), returns an error wrapping
// ErrMalformed.
func (w *wsConn) readPacket(br *bufio.Reader) (Packet, error) {
	op, data, err := w.readMessage(br)
	if err != nil {
		return Packet{}, err
	}
	binary := op == opBinary
	if !binary && !utf8.Valid(data) {
		return Packet{}, errInvalidUTF8
	}
	if w.eio3 {
		return decodePacket3(data, binary)
	}
	return DecodePacket(data, binary)
}

// serveWS starts the reader of w for s: the upgrade probe first when probe
// is set, then readLoop. The reader owns the Server task entered for it. It
// returns at once when the connection outlives the Upgrader's run
// (w.outlives), otherwise when the reading ended.
func (s *Session) serveWS(w *wsConn, probe bool) {
	if !w.outlives {
		w.done = make(chan struct{})
	}
	if probe {
		go s.serveProbe(w)
	} else {
		s.waitIdle(w)
	}
	if w.done != nil {
		<-w.done
	}
}

// endReading closes w and ends its reader's Server task.
func (s *Session) endReading(w *wsConn, br *bufio.Reader) {
	if br != nil {
		releaseReader(br)
	}
	w.shutdown()
	s.srv.leave()
	if w.done != nil {
		close(w.done)
	}
}

// readLoop reads the session's WebSocket until it fails or the session
// closes, then closes the connection and ends the reader's Server task.
//
// An idle connection holds no read buffer and, on Linux, no goroutine: when
// br has no byte left and none comes within wsLinger, readLoop returns its
// buffer and parks the connection (waitIdle) in the Server's poller, which
// calls resume on a new goroutine once bytes come. Elsewhere, or for a
// connection the poller cannot take, a new goroutine waits in a one-byte
// read (waitData). Either way the next burst runs on a fresh goroutine:
// handling frames grows a stack, and Go shrinks a stack only down to four
// times what is in use, so a goroutine that ran handlers would wait on 4 KiB
// or more where a fresh one waits on 2 KiB.
func (s *Session) readLoop(w *wsConn, br *bufio.Reader) {
	for s.reading() {
		if br == nil {
			if err := w.waitData(); err != nil {
				s.closeNow(readErrReason(err), err)
				break
			}
			br = w.borrowReader()
		}
		if !s.readBurst(w, br) {
			break
		}
		more, err := w.linger(br)
		if err != nil {
			s.closeNow(readErrReason(err), err)
			break
		}
		if more {
			continue
		}
		releaseReader(br)
		s.waitIdle(w)
		return
	}
	s.endReading(w, br)
}

// linger waits a little (wsLinger) for the client's next bytes in br, so
// that a busy client's frames are read on this goroutine with this buffer,
// and parking is for clients that pause. It reports whether bytes came; an
// error ends the reading.
func (w *wsConn) linger(br *bufio.Reader) (bool, error) {
	// The deadline is set before interrupted is read, and interrupt does the
	// reverse: either this sees the flag, or the interrupt's deadline (in
	// the past) replaces this one. Same for the clearing below.
	_ = w.nc.SetReadDeadline(time.Now().Add(wsLinger))
	if w.interrupted.Load() {
		return false, net.ErrClosed
	}
	_, err := br.Peek(1)
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		return false, err
	}
	_ = w.nc.SetReadDeadline(time.Time{})
	if w.interrupted.Load() {
		return false, net.ErrClosed
	}
	return err == nil, nil
}

// waitIdle waits for the next bytes of w, idle: parked in the poller, or
// else on a new goroutine.
func (s *Session) waitIdle(w *wsConn) {
	if len(w.pre) == 0 && s.srv.poller.park(s, w) {
		// A close that came before the park found nothing to interrupt:
		// take w back then, and end the reading.
		if s.reading() {
			return
		}
		if _, ok := s.srv.poller.take(w); !ok {
			return // resumed already
		}
	}
	go s.readLoop(w, nil)
}

// resume reads w after the poller found it readable (or interrupt took it
// back), on a new goroutine.
func (s *Session) resume(w *wsConn) {
	br := w.borrowReader()
	if _, err := br.Peek(1); err != nil {
		s.closeNow(readErrReason(err), err)
		s.endReading(w, br)
		return
	}
	s.readLoop(w, br)
}

// reading reports whether the session still reads from the client: open or
// closing gracefully.
func (s *Session) reading() bool {
	st := sessionState(s.state.Load())
	return st == stateOpen || st == stateClosing
}

// readBurst handles the frames in br and those that follow them without a
// pause, until br has no byte left; false when the reading is over (the
// connection failed or the session closed).
func (s *Session) readBurst(w *wsConn, br *bufio.Reader) bool {
	for br.Buffered() > 0 || w.hasHead || len(w.pre) > 0 {
		p, err := w.readPacket(br)
		if errors.Is(err, ErrMalformed) {
			s.closeNow(ReasonParseError, err)
			return false
		}
		if err != nil {
			s.closeNow(readErrReason(err), err)
			return false
		}
		s.handlePacket(p)
		if !s.reading() {
			return false
		}
	}
	return true
}

// readErrReason classifies a WebSocket read error like Node does: the peer
// going away is "transport close"; a protocol violation (too large a
// message, a bad frame) is "transport error".
func readErrReason(err error) string {
	var ce *websocket.CloseError
	var ne net.Error
	switch {
	case errors.Is(err, websocket.ErrReadLimit):
		return ReasonTransportError
	case errors.As(err, &ce), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed), errors.As(err, &ne):
		return ReasonTransportClose
	default:
		return ReasonTransportError
	}
}

// writeLoop is the session's WebSocket writer goroutine. It runs while
// packets are queued, writing all of them in each round, and exits when the
// queue is empty (finishing a graceful close), so an idle session has no
// writer. It serves the connections a flusher cannot write and the sessions
// whose socket filled up during a flusher's round (writeRest).
func (s *Session) writeLoop(w *wsConn) {
	var batch []Packet
	s.mu.Lock()
	for s.roundDoneLocked() {
		batch = s.takeRoundLocked(batch)
		s.mu.Unlock()
		err := w.writeBatch(batch)
		clear(batch)
		s.mu.Lock()
		if err != nil {
			s.closeLocked(ReasonTransportError, err)
		}
	}
	s.mu.Unlock()
}

// serveUpgrade upgrades a polling session's request to WebSocket and runs the
// probe: "2probe" → "3probe" (pending GETs then get a noop), then "5"
// switches the session to the WebSocket. Anything else, the UpgradeTimeout or
// a session that cannot be upgraded (already upgrading or upgraded) closes
// the WebSocket; the session stays on polling.
func (s *Session) serveUpgrade(req Request, res Response, up Upgrader) {
	if !s.srv.checkOrigin(req) {
		writeError(res, errForbidden)
		return
	}
	b64 := s.eio3 && wantsBase64(req)
	err := up.Upgrade(nil, func(c *websocket.Conn) {
		s.srv.enter() // the reader's task
		w := newWSConn(c, s.srv, up)
		w.eio3, w.b64 = s.eio3, b64
		if !s.beginProbe(w) {
			s.endReading(w, nil)
			return
		}
		s.serveWS(w, true)
	})
	if err != nil {
		s.debug("websocket upgrade failed", "err", err)
	}
}

func (s *Session) beginProbe(w *wsConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.open() || s.transport != TransportPolling || s.probe != nil {
		s.debug("extra websocket closed", "transport", s.transport)
		return false
	}
	s.probe = w
	s.probed = false
	s.upgradeTimer = time.AfterFunc(s.srv.opts.UpgradeTimeout, func() { s.abortProbe(w) })
	return true
}

// serveProbe runs the upgrade handshake on w; once the session switched to
// w, it goes on reading (readLoop), otherwise it closes w.
func (s *Session) serveProbe(w *wsConn) {
	br := w.borrowReader()
	if !s.probeLoop(w, br) {
		s.endReading(w, br)
		return
	}
	s.readLoop(w, br)
}

// probeLoop reads the probe's packets; true when the session switched to w.
func (s *Session) probeLoop(w *wsConn, br *bufio.Reader) bool {
	for {
		p, err := w.readPacket(br)
		if err != nil {
			s.abortProbe(w)
			return false
		}
		switch {
		case p.Type == PacketPing && string(p.Data) == "probe" && !p.Binary:
			// probed is set before "3probe" goes out: from the moment the
			// client may pause its polling, a close waits for its "5"
			// instead of counting on a GET that will not come.
			s.mu.Lock()
			if s.probe != w || !s.open() {
				s.mu.Unlock()
				return false
			}
			s.probed = true
			s.wakeGetLocked() // the pending GET answers a noop
			s.mu.Unlock()
			if err := w.writeText(Packet{Type: PacketPong, Data: []byte("probe")}); err != nil {
				s.abortProbe(w)
				return false
			}
		case p.Type == PacketUpgrade && !p.Binary:
			// A session closing gracefully still switches: the queue and
			// the close then go over the WebSocket (as in Node).
			s.mu.Lock()
			if s.probe != w || sessionState(s.state.Load()) == stateClosed {
				s.mu.Unlock()
				return false
			}
			s.clearProbeLocked()
			s.transport = TransportWebSocket
			s.srv.upgrades.Add(1)
			s.ws = w
			s.wakeGetLocked()
			s.kickLocked()
			s.mu.Unlock()
			s.debug("upgraded", "transport", TransportWebSocket)
			s.upgraded()
			return true
		default:
			s.abortProbe(w)
			return false
		}
	}
}

// abortProbe gives up the upgrade on w, if it is still under way.
func (s *Session) abortProbe(w *wsConn) {
	s.mu.Lock()
	if s.probe == w {
		s.abortProbeLocked()
	}
	s.mu.Unlock()
	w.interrupt()
}

func (s *Session) abortProbeLocked() {
	if s.probe == nil {
		return
	}
	s.probe.interrupt()
	s.clearProbeLocked()
}

func (s *Session) clearProbeLocked() {
	s.probe = nil
	s.probed = false
	if s.upgradeTimer != nil {
		s.upgradeTimer.Stop()
		s.upgradeTimer = nil
	}
}
