package engine

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

type sessionState int32

const (
	stateOpen    sessionState = iota
	stateClosing              // graceful close: flushing the queue
	stateClosed
)

// Session is one Engine.IO session (one client connection, across polling
// requests and an eventual WebSocket). All its methods are safe for
// concurrent use, including from Handler and SessionHandler methods.
type Session struct {
	srv *Server
	id  string
	hs  *OpenRequest

	state atomic.Int32 // sessionState; written under mu

	inMu    sync.Mutex     // serializes the Handler's calls for this session
	handler SessionHandler // what OnOpen returned; written once, under inMu and mu
	postMu  sync.Mutex     // serializes polling POSTs

	mu          sync.Mutex
	transport   string
	closeReason string // of a graceful close
	queue       []Packet
	queueBytes  int
	// The WebSocket writer's current batch, taken from the queue and being
	// written: it still counts against the queue bounds, so that a client
	// that stops reading holds at most MaxQueueBytes.
	inflightPackets int
	inflightBytes   int

	// polling
	getWake chan struct{} // closed to wake the waiting GET

	// websocket
	ws *wsConn

	// upgrade
	probe        *wsConn // WebSocket being upgraded to
	upgradeTimer *time.Timer

	// heartbeat: one timer, for the next ping or for the pong deadline
	hbTimer *time.Timer
	hbGen   uint64

	closeTimer *time.Timer // bounds a graceful close

	done chan struct{} // closed once the session is closed; made on first use (Done)

	// Flags, side by side so that they pack.
	getActive    bool // polling: a GET is being served
	writing      bool // websocket: a writer (flusher round or goroutine) runs
	probed       bool // upgrade: "3probe" sent, GETs are answered with noop
	awaitingPong bool // heartbeat: the timer is the pong deadline
	clientClosed bool // the client sent a close packet: a waiting GET gets a noop
	eio3         bool // Engine.IO 3 (eio3.go); set before the session is shared
	b64          bool // Engine.IO 3 polling: the client takes no binary payload
}

func newSession(srv *Server, id string, hs *OpenRequest, transport string) *Session {
	return &Session{
		srv:       srv,
		id:        id,
		hs:        hs,
		transport: transport,
	}
}

// debug logs at Debug level with the attributes sid and remote_addr, built
// only when Debug is enabled: a session keeps no logger of its own.
func (s *Session) debug(msg string, args ...any) {
	l := s.srv.log
	if !l.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	l.With("sid", s.id, "remote_addr", s.hs.RemoteAddr).Debug(msg, args...)
}

// ID returns the session ID (the "sid").
func (s *Session) ID() string { return s.id }

// OpenRequest returns the snapshot of the request that opened the session.
func (s *Session) OpenRequest() *OpenRequest { return s.hs }

// Handshake is the old name of OpenRequest.
//
// Deprecated: use OpenRequest.
func (s *Session) Handshake() *OpenRequest { return s.hs }

// Transport returns "polling" or "websocket"; it changes once after an
// upgrade.
func (s *Session) Transport() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transport
}

// Done returns a channel that is closed once the session is closed, before
// OnClose is called. OnClose waits for a running OnMessage to return: an
// OnMessage that blocks (for backpressure) gives up on Done, so that the
// close is not held up by it.
func (s *Session) Done() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil {
		// Made on first use: an idle session holds none.
		s.done = make(chan struct{})
		if sessionState(s.state.Load()) == stateClosed {
			close(s.done)
		}
	}
	return s.done
}

func (s *Session) open() bool { return sessionState(s.state.Load()) == stateOpen }

// start queues the open packet, calls OnOpen and starts the heartbeat. A
// session closed before (Server.Close right after register) gets no OnOpen,
// hence no OnClose either: OnClose runs under inMu too and sees no handler.
func (s *Session) start(upgrades []string) {
	s.mu.Lock()
	s.queue = append(s.queue, Packet{Type: PacketOpen, Data: s.srv.openPacket(s.id, upgrades)})
	s.mu.Unlock()
	s.debug("session open", "transport", s.transport)

	s.inMu.Lock()
	if s.open() {
		h := s.srv.h.OnOpen(s)
		s.mu.Lock()
		s.handler = h
		s.mu.Unlock()
	}
	s.inMu.Unlock()

	s.mu.Lock()
	if s.open() {
		if s.eio3 {
			s.startHeartbeat3Locked()
		} else {
			s.armHeartbeatLocked(s.srv.opts.PingInterval, false)
		}
	}
	s.kickLocked()
	s.mu.Unlock()
}

// Send queues messages for the client atomically: all or none, never
// interleaved with another Send. It never blocks on the network. It returns
// ErrClosed once the session is closing, and ErrQueueFull when the messages
// do not fit in the queue (with SlowClientDisconnect the session is then
// closed with ReasonSlowClient). The engine never modifies msgs' Data, so one
// slice may be sent to many sessions.
func (s *Session) Send(msgs ...Message) error {
	return s.send(msgs, false)
}

// SendVolatile is like Send, but the messages are dropped, with ErrDropped,
// unless the transport can take them right now: on WebSocket when nothing is
// queued or being written, on polling when a GET is waiting.
func (s *Session) SendVolatile(msgs ...Message) error {
	return s.send(msgs, true)
}

func (s *Session) send(msgs []Message, volatile bool) error {
	if len(msgs) == 0 {
		return nil
	}
	n := 0
	for _, m := range msgs {
		n += len(m.Data) + 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.open() {
		return ErrClosed
	}
	fits := len(s.queue)+s.inflightPackets+len(msgs) <= s.srv.opts.MaxQueuePackets &&
		s.queueBytes+s.inflightBytes+n <= s.srv.opts.MaxQueueBytes
	if volatile {
		if !fits || !s.readyLocked() {
			s.srv.dropped.Add(1)
			return ErrDropped
		}
	} else if !fits {
		s.srv.refused.Add(1)
		if s.srv.opts.SlowClient == SlowClientDisconnect {
			s.srv.log.Info("slow client disconnected", "sid", s.id, "remote_addr", s.hs.RemoteAddr,
				"queued_packets", len(s.queue)+s.inflightPackets, "queued_bytes", s.queueBytes+s.inflightBytes)
			s.closeLocked(ReasonSlowClient, ErrQueueFull)
		}
		return ErrQueueFull
	}
	for _, m := range msgs {
		s.queue = append(s.queue, Packet{Type: PacketMessage, Data: m.Data, Binary: m.Binary})
	}
	s.queueBytes += n
	s.kickLocked()
	return nil
}

// readyLocked reports whether the transport can take a packet right now.
func (s *Session) readyLocked() bool {
	if len(s.queue) > 0 {
		return false
	}
	if s.transport == TransportWebSocket {
		return !s.writing
	}
	return s.getWake != nil && !s.probed
}

// pushLocked queues a control packet; control packets ignore the bounds.
func (s *Session) pushLocked(p Packet) {
	s.queue = append(s.queue, p)
	s.queueBytes += len(p.Data) + 1
}

// kickLocked makes the transport send what is queued.
func (s *Session) kickLocked() {
	if s.transport == TransportPolling {
		s.wakeGetLocked()
		return
	}
	if s.writing || s.ws == nil || sessionState(s.state.Load()) == stateClosed {
		return
	}
	if len(s.queue) == 0 && sessionState(s.state.Load()) != stateClosing {
		return
	}
	s.writing = true
	w := s.ws
	if w.raw != nil {
		s.srv.flush.pick().add(flushItem{s, w})
		return
	}
	s.srv.spawn(func() { s.writeLoop(w) })
}

// roundDoneLocked ends a writer round (or checks before the first one). It
// reports whether packets wait for another round; if none do, the writer
// stops: writing is cleared, and a graceful close waiting for the flush
// completes.
func (s *Session) roundDoneLocked() bool {
	s.inflightPackets, s.inflightBytes = 0, 0
	switch state := sessionState(s.state.Load()); {
	case state == stateClosed:
	case len(s.queue) > 0:
		return true
	case state == stateClosing:
		s.closeLocked(s.closeReason, nil)
	}
	s.writing = false
	return false
}

func (s *Session) wakeGetLocked() {
	if s.getWake != nil {
		close(s.getWake)
		s.getWake = nil
	}
}

// takeRoundLocked begins a WebSocket writer round: the queued packets
// count as in flight (still within the queue bounds) until roundDoneLocked,
// and are returned; the queue continues in spare (reused).
func (s *Session) takeRoundLocked(spare []Packet) []Packet {
	s.inflightPackets, s.inflightBytes = len(s.queue), s.queueBytes
	return s.takeQueueLocked(spare)
}

// takeQueueLocked empties the queue into spare (reused) and returns it.
func (s *Session) takeQueueLocked(spare []Packet) []Packet {
	q := s.queue
	s.queue = spare[:0]
	s.queueBytes = 0
	return q
}

// deliver passes a message to the handler, unless the session is closing.
func (s *Session) deliver(m Message) {
	s.inMu.Lock()
	defer s.inMu.Unlock()
	if s.open() && s.handler != nil {
		s.handler.OnMessage(m)
	}
}

// handlePacket acts on one packet from the client (any transport).
func (s *Session) handlePacket(p Packet) {
	switch p.Type {
	case PacketMessage:
		s.deliver(Message{Data: p.Data, Binary: p.Binary})
	case PacketPong:
		if s.eio3 {
			s.closeNow(ReasonTransportError, errPongFromClient3)
			return
		}
		s.onPong()
	case PacketClose:
		s.mu.Lock()
		s.clientClosed = true
		s.closeLocked(ReasonTransportClose, nil)
		s.mu.Unlock()
	case PacketPing:
		if s.eio3 {
			s.onPing3()
			return
		}
		s.closeNow(ReasonTransportError, errInvalidHeartbeat)
	default: // open, upgrade, noop: nothing to do
	}
}

// Close closes the session gracefully: queued messages are flushed first
// (bounded by Options.WriteTimeout), then the transport is closed and
// OnClose is called with ReasonForcedClose. On polling the client gets a
// close packet when a GET is waiting or messages are queued; otherwise the
// session closes at once. Close does not wait for the
// flush; calling it again, or on a closed session, does nothing.
func (s *Session) Close() { s.closeGraceful(ReasonForcedClose) }

func (s *Session) closeGraceful(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.open() {
		return
	}
	s.debug("session closing", "reason", reason, "transport", s.transport)
	s.state.Store(int32(stateClosing))
	s.closeReason = reason
	s.stopHeartbeatLocked()
	switch {
	case s.probed:
		// The client has paused its polling for the upgrade (or is about
		// to): its next request is the "5" on the WebSocket, which then
		// carries the queue and the close. engine.io-client never resumes a
		// polling transport paused for a probe that fails.
	case s.transport == TransportPolling:
		s.abortProbeLocked()
		if s.getWake == nil && !s.hasMessagesLocked() {
			// Nothing worth waiting for a GET: the next one learns of the
			// close from its 400 "Session ID unknown".
			s.closeLocked(reason, nil)
			return
		}
		// The close packet goes out alone, in the GET after the one that
		// drains the queue (as Node does): a client handles a close packet
		// at once, before the messages of the same payload.
	}
	s.closeTimer = time.AfterFunc(s.srv.opts.WriteTimeout, func() { s.closeNow(reason, nil) })
	s.kickLocked()
}

func (s *Session) hasMessagesLocked() bool {
	for _, p := range s.queue {
		if p.Type == PacketMessage {
			return true
		}
	}
	return false
}

// finishGraceful completes a graceful close once the queue is flushed.
func (s *Session) finishGraceful() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sessionState(s.state.Load()) == stateClosing {
		s.closeLocked(s.closeReason, nil)
	}
}

func (s *Session) closeNow(reason string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeLocked(reason, err)
}

// closeLocked closes the session at once: drops the queue, stops the timers,
// releases a waiting GET, interrupts the WebSocket readers (which then close
// their connections) and calls OnClose from a new goroutine.
func (s *Session) closeLocked(reason string, err error) {
	if sessionState(s.state.Load()) == stateClosed {
		return
	}
	s.debug("session closed", "reason", reason, "err", err, "transport", s.transport)
	s.state.Store(int32(stateClosed))
	if s.done != nil {
		close(s.done)
	}
	s.queue = nil
	s.queueBytes = 0
	s.inflightPackets, s.inflightBytes = 0, 0
	s.stopHeartbeatLocked()
	if s.closeTimer != nil {
		s.closeTimer.Stop()
	}
	s.abortProbeLocked()
	s.wakeGetLocked()
	if s.ws != nil {
		s.ws.interrupt()
	}
	s.srv.remove(s)
	s.srv.spawn(func() {
		s.inMu.Lock()
		defer s.inMu.Unlock()
		if h := s.handler; h != nil {
			h.OnClose(reason, err)
		}
	})
}
