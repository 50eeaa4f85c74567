package engine

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/fasthttp/websocket"
)

// wsConn is one WebSocket connection. Its reader goroutine owns it: it is the
// only one to read and the one to close it. At most one writer goroutine
// writes data frames; the probe answer is written by the reader before the
// connection is handed to the session.
type wsConn struct {
	c            *websocket.Conn
	nc           net.Conn // c's connection: the writer writes its frames there
	writeTimeout time.Duration
}

func newWSConn(c *websocket.Conn, o Options) *wsConn {
	c.SetReadLimit(o.MaxHTTPBufferSize)
	return &wsConn{c: c, nc: c.UnderlyingConn(), writeTimeout: o.WriteTimeout}
}

// interrupt makes the blocked read return, so the reader closes the
// connection. Safe from any goroutine.
func (w *wsConn) interrupt() {
	_ = w.nc.SetReadDeadline(time.Unix(1, 0))
}

// shutdown sends a close frame (briefly bounded) and closes the connection.
func (w *wsConn) shutdown() {
	d := w.writeTimeout
	if d > time.Second {
		d = time.Second
	}
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	_ = w.c.WriteControl(websocket.CloseMessage, msg, time.Now().Add(d))
	_ = w.c.Close()
}

// writeBatch writes ps, the packets of one writer round, under one write
// deadline. It frames them itself (a server's frames are unmasked: a 2 to 10
// byte header, then the payload) into one buffer and writes that buffer with
// a single Write when it stays under wsFlushSize, so a backlog of queued
// packets costs one syscall instead of one per packet.
//
// Every Write holds whole frames. The library writes control frames (pong,
// close) from the reader goroutine with Writes of its own; a net.Conn Write
// is atomic with respect to other Writes (*net.TCPConn holds the descriptor's
// write lock for the whole call, *tls.Conn its output lock), so frames never
// interleave.
func (w *wsConn) writeBatch(ps []Packet) error {
	nc := w.nc
	if err := nc.SetWriteDeadline(time.Now().Add(w.writeTimeout)); err != nil {
		return err
	}
	bp := frameBufs.Get().(*[]byte)
	buf := (*bp)[:0]
	var err error
	for _, p := range ps {
		buf = appendFrame(buf, p)
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

const (
	// wsReadBufferSize is the size of each WebSocket's read buffer, held for
	// the connection's life. Small, because most connections are idle most
	// of the time; a larger message is read in several reads. (With the
	// library's default, 0, net/http's 4 KiB hijacked reader would be kept.)
	wsReadBufferSize = 512
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

// appendFrame appends p as one final, unmasked WebSocket frame: a text frame
// holding the type digit and Data, or for a binary message a binary frame
// holding Data.
func appendFrame(b []byte, p Packet) []byte {
	n := len(p.Data)
	op := byte(websocket.BinaryMessage)
	if !p.Binary {
		n++
		op = websocket.TextMessage
	}
	b = append(b, 0x80|op) // FIN
	switch {
	case n <= 125:
		b = append(b, byte(n))
	case n <= 0xffff:
		b = append(b, 126, byte(n>>8), byte(n))
	default:
		b = append(b, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if !p.Binary {
		b = append(b, '0'+byte(p.Type))
	}
	return append(b, p.Data...)
}

// readPacket reads and decodes the next frame. A frame that does not decode,
// or a text frame that is not valid UTF-8 (RFC 6455 requires it; Node's ws
// closes such a connection too), returns an error wrapping ErrMalformed.
func (w *wsConn) readPacket() (Packet, error) {
	mt, data, err := w.c.ReadMessage()
	if err != nil {
		return Packet{}, err
	}
	binary := mt == websocket.BinaryMessage
	if !binary && !utf8.Valid(data) {
		return Packet{}, errInvalidUTF8
	}
	return DecodePacket(data, binary)
}

// readLoop reads the session's WebSocket until it fails or the session
// closes, then closes the connection.
func (s *Session) readLoop(w *wsConn) {
	for s.open() || sessionState(s.state.Load()) == stateClosing {
		p, err := w.readPacket()
		if errors.Is(err, ErrMalformed) {
			s.closeNow(ReasonParseError, err)
			break
		}
		if err != nil {
			s.closeNow(readErrReason(err), err)
			break
		}
		s.handlePacket(p)
	}
	w.shutdown()
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

// writeLoop is the session's WebSocket writer. It runs while packets are
// queued, writing all of them in each round, and exits when the queue is
// empty (finishing a graceful close), so an idle session has no writer.
func (s *Session) writeLoop(w *wsConn) {
	var batch []Packet
	s.mu.Lock()
	for {
		state := sessionState(s.state.Load())
		if state == stateClosed {
			s.writing = false
			s.mu.Unlock()
			return
		}
		if len(s.queue) == 0 {
			s.writing = false
			if state == stateClosing {
				s.closeLocked(s.closeReason, nil)
			}
			s.mu.Unlock()
			return
		}
		s.inflightPackets, s.inflightBytes = len(s.queue), s.queueBytes
		batch = s.takeQueueLocked(batch)
		s.mu.Unlock()
		err := w.writeBatch(batch)
		clear(batch)
		s.mu.Lock()
		s.inflightPackets, s.inflightBytes = 0, 0
		if err != nil {
			s.closeLocked(ReasonTransportError, err)
			s.writing = false
			s.mu.Unlock()
			return
		}
	}
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
	err := up.Upgrade(nil, func(c *websocket.Conn) {
		s.srv.enter()
		defer s.srv.leave()
		w := newWSConn(c, s.srv.opts)
		if !s.beginProbe(w) {
			w.shutdown()
			return
		}
		if !s.probeLoop(w) {
			w.shutdown()
			return
		}
		s.readLoop(w)
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

// probeLoop runs the upgrade handshake on w; true when the session switched.
func (s *Session) probeLoop(w *wsConn) bool {
	for {
		p, err := w.readPacket()
		if err != nil {
			s.abortProbe(w)
			return false
		}
		switch {
		case p.Type == Ping && string(p.Data) == "probe" && !p.Binary:
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
			_ = w.c.SetWriteDeadline(time.Now().Add(w.writeTimeout))
			if err := w.c.WriteMessage(websocket.TextMessage, []byte("3probe")); err != nil {
				s.abortProbe(w)
				return false
			}
		case p.Type == Upgrade && !p.Binary:
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
