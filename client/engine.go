package client

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/core/parser"
)

// This file is the client side of one Engine.IO 4 connection: the
// handshake, the outbound queue and its one writer, the heartbeat, and the
// close. The transports are in transport_polling.go and
// transport_websocket.go, the upgrade in upgrade.go.

// transport is one Engine.IO transport of a connection. write is called by
// one goroutine at a time; close may be called at any time, more than once.
type transport interface {
	name() string
	write(ctx context.Context, pkts []engine.Packet) error
	close()
}

// connHandler receives what a connection reads. onMessage runs on the
// connection's reader, one call at a time and in order; it may block (that
// pauses reading). It returns false when the data does not decode, which
// closes the connection with ReasonParseError. onClose is called once.
type connHandler interface {
	onMessage(e *engineConn, data []byte, binary bool) bool
	onPing(e *engineConn)
	onUpgrade(e *engineConn, transport string)
	onClose(e *engineConn, reason string, err error)
}

// handshake is the payload of the server's open packet.
type handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"`
	PingTimeout  int64    `json:"pingTimeout"`
	MaxPayload   int64    `json:"maxPayload"`
}

// engineConn is one Engine.IO session with the server.
//
// Its goroutines are the reader (the polling loop, or the WebSocket reader),
// the writer, and an upgrade while one runs; all of them are counted in wg
// and end once the connection is closed. Every method is safe for
// concurrent use.
type engineConn struct {
	o       *Options
	base    *url.URL
	h       connHandler
	hs      handshake
	dec     parser.PacketDecoder // used by the reader only
	ctx     context.Context      // ends with the connection
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	timeout time.Duration // pingInterval + pingTimeout
	done    chan struct{}

	mu          sync.Mutex
	cond        *sync.Cond
	tr          transport
	probe       transport // the WebSocket being probed, if any
	queue       []engine.Packet
	writing     bool
	paused      bool // an upgrade waits for the polling transport to be idle
	polling     bool // a polling GET is in flight
	pollerDone  bool // the polling loop ended for the upgrade
	closing     bool // a graceful close was asked: no more sends
	closed      bool
	closeSent   chan struct{}
	pingTimer   *time.Timer
	pingExpires time.Time
	reason      string
	err         error
}

func newEngineConn(o *Options, base *url.URL, h connHandler, tr transport, hs handshake) *engineConn {
	e := &engineConn{
		o: o, base: base, h: h, hs: hs, tr: tr,
		dec:       o.Parser.NewDecoder(),
		timeout:   time.Duration(hs.PingInterval+hs.PingTimeout) * time.Millisecond,
		done:      make(chan struct{}),
		closeSent: make(chan struct{}),
	}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	e.cond = sync.NewCond(&e.mu)
	return e
}

// parseOpen decodes the open packet of a handshake.
func parseOpen(p engine.Packet) (handshake, error) {
	var hs handshake
	if p.Type != engine.PacketOpen || p.Binary {
		return hs, fmt.Errorf("socket.io client: expected an open packet, got %v", p.Type)
	}
	if err := json.Unmarshal(p.Data, &hs); err != nil {
		return hs, fmt.Errorf("socket.io client: bad open packet: %w", err)
	}
	if hs.SID == "" || hs.PingInterval <= 0 || hs.PingTimeout <= 0 {
		return hs, fmt.Errorf("socket.io client: bad open packet %q", p.Data)
	}
	return hs, nil
}

// dialEngine opens a connection with the first of o.Transports. It does
// not start it: the caller sets it up, then calls start.
func dialEngine(ctx context.Context, o *Options, base *url.URL, h connHandler) (*engineConn, []engine.Packet, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, o.Timeout, ErrTimeout)
	defer cancel()
	var (
		tr   transport
		hs   handshake
		rest []engine.Packet
		err  error
	)
	switch o.Transports[0] {
	case TransportPolling:
		var pt *pollingTransport
		pt, hs, rest, err = openPolling(ctx, o, base)
		tr = pt
	default:
		var wt *wsTransport
		wt, hs, err = openWebSocket(ctx, o, base)
		tr = wt
	}
	if err != nil {
		if c := context.Cause(ctx); c != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, nil, c
		}
		return nil, nil, err
	}
	e := newEngineConn(o, base, h, tr, hs)
	if pt, ok := tr.(*pollingTransport); ok {
		pt.sid = hs.SID
	}
	return e, rest, nil
}

// start runs the connection: it handles rest (packets that came with the
// handshake), then reads, writes, and upgrades when it may.
func (e *engineConn) start(rest []engine.Packet) {
	e.mu.Lock()
	e.pingTimer = time.AfterFunc(e.timeout, e.onPingTimeout)
	e.pingExpires = time.Now().Add(e.timeout)
	tr := e.tr
	e.mu.Unlock()
	e.wg.Add(2)
	go e.writeLoop()
	switch t := tr.(type) {
	case *pollingTransport:
		go e.pollLoop(t, rest)
		if e.mayUpgrade() {
			e.wg.Add(1)
			go e.upgrade()
		}
	case *wsTransport:
		go e.readLoop(t)
	}
}

// Transport returns the name of the current transport.
func (e *engineConn) transport() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.tr.name()
}

func (e *engineConn) mayUpgrade() bool {
	if e.o.NoUpgrade {
		return false
	}
	wanted := false
	for _, t := range e.o.Transports {
		wanted = wanted || t == TransportWebSocket
	}
	for _, u := range e.hs.Upgrades {
		if u == TransportWebSocket {
			return wanted
		}
	}
	return false
}

func (e *engineConn) onPingTimeout() { e.close(ReasonPingTimeout, nil) }

// expired reports whether the heartbeat's deadline passed (the timer may
// not have fired yet).
func (e *engineConn) expired() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed || time.Now().After(e.pingExpires)
}

// handle acts on one packet read from the server; false stops the reader.
func (e *engineConn) handle(p engine.Packet) bool {
	switch p.Type {
	case engine.PacketPing:
		e.mu.Lock()
		if e.pingTimer != nil {
			e.pingTimer.Reset(e.timeout)
			e.pingExpires = time.Now().Add(e.timeout)
		}
		e.mu.Unlock()
		_ = e.sendControl(engine.Packet{Type: engine.PacketPong, Data: p.Data})
		e.h.onPing(e)
	case engine.PacketMessage:
		if !e.h.onMessage(e, p.Data, p.Binary) {
			e.close(ReasonParseError, nil)
			return false
		}
	case engine.PacketClose:
		e.close(ReasonTransportClose, errors.New("socket.io client: the server closed the connection"))
		return false
	}
	return true
}

// sendControl queues an Engine.IO packet of the connection's own (a pong),
// bypassing the queue bound.
func (e *engineConn) sendControl(p engine.Packet) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrDisconnected
	}
	e.queue = append(e.queue, p)
	e.cond.Broadcast()
	return nil
}

// pollingSize is the length of p in a polling payload.
func pollingSize(p engine.Packet) int {
	if p.Binary {
		return 1 + base64.StdEncoding.EncodedLen(len(p.Data))
	}
	return 1 + len(p.Data)
}

// send queues messages, all or none, in order. A volatile send is dropped
// (with a nil error) when the connection cannot write it right away: it is
// upgrading, closing, earlier messages still wait, or a polling POST is in
// flight.
func (e *engineConn) send(msgs []engine.Packet, volatile bool) error {
	if max := e.hs.MaxPayload; max > 0 {
		for _, m := range msgs {
			if int64(pollingSize(m)) > max {
				return ErrPayloadTooLarge
			}
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.closing {
		if volatile {
			return nil
		}
		return ErrDisconnected
	}
	if volatile && (e.paused || len(e.queue) > 0 || (e.writing && e.tr.name() == TransportPolling)) {
		return nil
	}
	if len(e.queue)+len(msgs) > e.o.WriteQueueSize {
		return ErrQueueFull
	}
	e.queue = append(e.queue, msgs...)
	e.cond.Broadcast()
	return nil
}

// takeBatch removes what the writer sends next: everything over
// WebSocket; over polling, as many packets as fit in the server's
// maxPayload (at least one), as engine.io-client does.
func (e *engineConn) takeBatchLocked() []engine.Packet {
	n := len(e.queue)
	if _, polling := e.tr.(*pollingTransport); polling && e.hs.MaxPayload > 0 {
		size := int64(0)
		for i, p := range e.queue {
			size += int64(pollingSize(p))
			if i > 0 {
				size++ // the separator
			}
			if i > 0 && size > e.hs.MaxPayload {
				n = i
				break
			}
		}
	}
	batch := make([]engine.Packet, n)
	copy(batch, e.queue)
	rest := copy(e.queue, e.queue[n:])
	clear(e.queue[rest:])
	e.queue = e.queue[:rest]
	return batch
}

// writeLoop is the connection's one writer.
func (e *engineConn) writeLoop() {
	defer e.wg.Done()
	for {
		e.mu.Lock()
		for !e.closed && (e.paused || len(e.queue) == 0) {
			e.cond.Wait()
		}
		if e.closed {
			e.mu.Unlock()
			return
		}
		batch := e.takeBatchLocked()
		e.writing = true
		tr := e.tr
		e.mu.Unlock()

		err := tr.write(e.ctx, batch)

		e.mu.Lock()
		e.writing = false
		e.cond.Broadcast()
		e.mu.Unlock()
		if err != nil {
			e.close(ReasonTransportError, err)
			return
		}
		for _, p := range batch {
			if p.Type == engine.PacketClose {
				close(e.closeSent)
				return
			}
		}
	}
}

// pollLoop reads with polling GETs until the connection closes or an
// upgrade pauses it.
func (e *engineConn) pollLoop(pt *pollingTransport, rest []engine.Packet) {
	defer e.wg.Done()
	for _, p := range rest {
		if !e.handle(p) {
			return
		}
	}
	for {
		e.mu.Lock()
		if e.closed {
			e.mu.Unlock()
			return
		}
		if e.paused {
			e.pollerDone = true
			e.cond.Broadcast()
			e.mu.Unlock()
			return
		}
		e.polling = true
		e.mu.Unlock()

		pkts, err := pt.poll(e.ctx)

		e.mu.Lock()
		e.polling = false
		e.cond.Broadcast()
		e.mu.Unlock()
		if err != nil {
			e.close(ReasonTransportError, err)
			return
		}
		for _, p := range pkts {
			if !e.handle(p) {
				return
			}
		}
	}
}

// readLoop reads from a WebSocket until the connection closes.
func (e *engineConn) readLoop(wt *wsTransport) {
	defer e.wg.Done()
	e.readWS(wt)
}

func (e *engineConn) readWS(wt *wsTransport) {
	for {
		p, err := wt.read()
		if err != nil {
			e.close(ReasonTransportClose, err)
			return
		}
		if !e.handle(p) {
			return
		}
	}
}

// shutdown closes the connection from this side: it sends what is queued
// and a close packet (waiting at most a second for them), then closes.
func (e *engineConn) shutdown(reason string) {
	e.beginShutdown()
	e.finishShutdown(reason)
}

// beginShutdown refuses further sends and queues the close packet; it
// does not wait.
func (e *engineConn) beginShutdown() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.closing {
		return
	}
	e.closing = true
	e.queue = append(e.queue, engine.Packet{Type: engine.PacketClose})
	e.cond.Broadcast()
}

// finishShutdown waits for the close packet to go out, at most a second,
// then closes.
func (e *engineConn) finishShutdown(reason string) {
	t := time.NewTimer(time.Second)
	select {
	case <-e.closeSent:
	case <-e.done:
	case <-t.C:
	}
	t.Stop()
	e.close(reason, nil)
}

// isClosing reports whether the connection is closing or closed.
func (e *engineConn) isClosing() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed || e.closing
}

// close ends the connection (once) and tells the handler; it does not wait
// for the goroutines: wait does.
func (e *engineConn) close(reason string, err error) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	e.reason, e.err = reason, err
	if e.pingTimer != nil {
		e.pingTimer.Stop()
	}
	tr, probe := e.tr, e.probe
	e.queue = nil
	e.cond.Broadcast()
	e.mu.Unlock()
	e.cancel()
	tr.close()
	if probe != nil {
		probe.close()
	}
	close(e.done)
	e.h.onClose(e, reason, err)
}

// wait waits for the goroutines of a closed connection.
func (e *engineConn) wait() { e.wg.Wait() }

// engineURL returns the URL of a request of the connection, with the
// query parameters of Options.Query and Engine.IO's.
func engineURL(o *Options, base *url.URL, ws bool, transportName, sid string) string {
	u := *base
	u.Path = o.Path
	u.RawPath = ""
	if ws {
		if u.Scheme == "https" {
			u.Scheme = "wss"
		} else {
			u.Scheme = "ws"
		}
	}
	q := url.Values{}
	for k, vs := range o.Query {
		q[k] = append([]string(nil), vs...)
	}
	q.Set("EIO", "4")
	q.Set("transport", transportName)
	if sid != "" {
		q.Set("sid", sid)
	}
	if !ws {
		q.Set("t", timestamp())
	}
	u.RawQuery = q.Encode()
	return u.String()
}

var (
	tsMu   sync.Mutex
	tsLast int64
	tsSeq  int
)

// timestamp returns a cache-busting value, distinct for each call.
func timestamp() string {
	tsMu.Lock()
	defer tsMu.Unlock()
	now := time.Now().UnixMilli()
	if now == tsLast {
		tsSeq++
	} else {
		tsLast, tsSeq = now, 0
	}
	s := strconv.FormatInt(now, 36)
	if tsSeq > 0 {
		s += "." + strconv.Itoa(tsSeq)
	}
	return s
}
