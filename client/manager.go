package client

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/core/parser"
)

// Manager is one connection to a Socket.IO server, shared by the sockets
// of its namespaces (socket.io-client's Manager): it opens the Engine.IO
// connection when a socket connects, upgrades it to WebSocket, reconnects
// it with exponential backoff when it is lost, and closes it when no socket
// uses it any more.
//
// All methods are safe for concurrent use. The handlers registered with
// the On methods run one at a time, in the order of the events, on a
// goroutine of the manager's (not the sockets'); they must not block for
// long. Close may be called from any goroutine, handlers included.
type Manager struct {
	o        Options
	base     *url.URL
	ownsHTTP bool // o.HTTPClient is ours: close its idle connections

	disp   *dispatcher    // the manager's handlers
	wg     sync.WaitGroup // the loop and the shutdowns
	ctx    context.Context
	cancel context.CancelFunc // ends ctx: Close
	done   <-chan struct{}    // ctx.Done()
	kick   chan struct{}      // wakes the loop: a socket's state changed

	lastLimit atomic.Int64 // maxPayload of the last handshake

	mu      sync.Mutex
	sockets map[string]*Socket
	eng     *engineConn // the open connection, nil when none
	running bool        // the loop runs
	closed  bool
	h       managerHandlers
}

type managerHandlers struct {
	open             []func()
	close            []func(reason string, err error)
	errors           []func(err error)
	ping             []func()
	upgrade          []func(transport string)
	reconnectAttempt []func(attempt int)
	reconnect        []func(attempt int)
	reconnectError   []func(err error)
	reconnectFailed  []func()
}

// NewManager returns a manager for the server at rawURL (http://, https://,
// ws:// or wss://; the URL's path is ignored, the endpoint is
// Options.Path), configured by opts (nil for the defaults). It does not
// connect: a socket's Connect does. It returns an error for a URL it cannot
// use and panics on invalid options.
func NewManager(rawURL string, opts *Options) (*Manager, error) {
	base, _, err := parseServerURL(rawURL)
	if err != nil {
		return nil, err
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	owns := o.HTTPClient == nil
	o = o.withDefaults()
	m := &Manager{
		o: o, base: base, ownsHTTP: owns,
		disp:    newDispatcher(1 << 30),
		kick:    make(chan struct{}, 1),
		sockets: make(map[string]*Socket),
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.done = m.ctx.Done()
	return m, nil
}

// parseServerURL splits a server URL into the base (scheme http or https,
// host, query) and the namespace its path names ("/" for none).
func parseServerURL(rawURL string) (*url.URL, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, "", fmt.Errorf("socket.io client: %w", err)
	}
	switch u.Scheme {
	case "http", "ws":
		u.Scheme = "http"
	case "https", "wss":
		u.Scheme = "https"
	default:
		return nil, "", fmt.Errorf("socket.io client: unsupported URL scheme %q", u.Scheme)
	}
	if u.Host == "" {
		return nil, "", fmt.Errorf("socket.io client: URL %q has no host", rawURL)
	}
	nsp := u.Path
	if nsp == "" {
		nsp = "/"
	}
	b := &url.URL{Scheme: u.Scheme, Host: u.Host, User: u.User}
	return b, nsp, nil
}

// Socket returns the manager's socket for the namespace nsp ("/" or ""
// for the main one), creating it with opts (nil for the manager's
// SocketOptions). A socket that exists is returned as is, whatever opts.
// The socket is not connected: call its Connect.
func (m *Manager) Socket(nsp string, opts *SocketOptions) *Socket {
	nsp = namespaceOf(nsp)
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.sockets[nsp]; ok {
		return s
	}
	so := m.o.SocketOptions
	if opts != nil {
		so = opts.withDefaults()
	}
	s := newSocket(m, nsp, so)
	m.sockets[nsp] = s
	return s
}

// Transport returns the transport of the open connection ("polling" or
// "websocket"), or "" when there is none.
func (m *Manager) Transport() string {
	m.mu.Lock()
	e := m.eng
	m.mu.Unlock()
	if e == nil {
		return ""
	}
	return e.transport()
}

// Close disconnects every socket of the manager (their disconnect handlers
// get ReasonIOClientDisconnect), closes the connection after sending what
// was queued (waiting at most a second), and stops reconnecting. It
// returns once every goroutine of the manager ended, except handlers still
// running, which finish on their own (so Close may be called from one);
// queued handlers then still run, new ones do not. The manager and its
// sockets cannot be used again. Close always returns nil.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.cancel()
	e := m.eng
	socks := make([]*Socket, 0, len(m.sockets))
	for _, s := range m.sockets {
		socks = append(socks, s)
	}
	m.mu.Unlock()
	for _, s := range socks {
		s.disconnect(ErrClosed, true)
	}
	if e != nil {
		e.shutdown(ReasonForcedClose)
	}
	m.wg.Wait()
	for _, s := range socks {
		s.disp.stop()
	}
	m.disp.stop()
	if m.ownsHTTP {
		m.o.HTTPClient.CloseIdleConnections()
	}
	return nil
}

// activate makes sure the loop runs for a socket that wants a connection,
// and returns the open connection, if any, for the socket to send its
// CONNECT on.
func (m *Manager) activate() (*engineConn, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	if !m.running {
		m.running = true
		m.wg.Add(1)
		go m.run()
	} else {
		m.wake()
	}
	return m.eng, nil
}

func (m *Manager) wake() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// socketInactive closes the connection once no socket wants it.
func (m *Manager) socketInactive() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.wake()
	if m.closed || m.eng == nil || m.wantedLocked() {
		return
	}
	// From now on no socket sends on e: one that connects again waits
	// for the next connection.
	e := m.eng
	m.eng = nil
	e.beginShutdown()
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		e.finishShutdown(ReasonForcedClose)
	}()
}

func (m *Manager) wantedLocked() bool {
	if m.closed {
		return false
	}
	for _, s := range m.sockets {
		if s.isActive() {
			return true
		}
	}
	return false
}

// wanted reports whether the loop should go on; when not, the loop ends
// (under the same lock, so that activate starts a new one).
func (m *Manager) wanted() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.wantedLocked() {
		return true
	}
	m.running = false
	return false
}

func (m *Manager) activeSockets() []*Socket {
	var out []*Socket
	for _, s := range m.sockets {
		if s.isActive() {
			out = append(out, s)
		}
	}
	return out
}

// run is the manager's loop: connect, wait for the connection to end,
// reconnect with backoff; it ends when no socket wants a connection.
func (m *Manager) run() {
	defer m.wg.Done()
	attempt := 0 // 0: the first connection, n: the nth reconnection attempt
	for m.wanted() {
		if attempt > 0 {
			if max := m.o.ReconnectionAttempts; max > 0 && attempt > max {
				m.failSockets(ErrReconnectFailed)
				m.emitReconnectFailed()
				attempt = 0
				continue
			}
			if !m.sleep(backoffDelay(&m.o, attempt, randFloat())) {
				continue
			}
			m.emitInt(func(h *managerHandlers) []func(int) { return h.reconnectAttempt }, attempt)
		}
		e, rest, err := dialEngine(m.ctx, &m.o, m.base, m)
		if err != nil {
			if m.isClosed() {
				return
			}
			m.emitErr(func(h *managerHandlers) []func(error) { return h.errors }, err)
			m.connectErrors(err)
			if attempt > 0 {
				m.emitErr(func(h *managerHandlers) []func(error) { return h.reconnectError }, err)
			}
			if m.o.NoReconnection {
				m.failSockets(err)
				attempt = 0
				continue
			}
			attempt++
			continue
		}

		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			e.close(ReasonForcedClose, nil)
			return
		}
		m.eng = e
		m.lastLimit.Store(e.hs.MaxPayload)
		socks := m.activeSockets()
		m.mu.Unlock()
		m.emitNone(func(h *managerHandlers) []func() { return h.open })
		if attempt > 0 {
			m.emitInt(func(h *managerHandlers) []func(int) { return h.reconnect }, attempt)
		}
		attempt = 0
		for _, s := range socks {
			s.onOpen(e)
		}
		e.start(rest)
		<-e.done
		e.wait()

		m.mu.Lock()
		if m.eng == e {
			m.eng = nil
		}
		socks = make([]*Socket, 0, len(m.sockets))
		for _, s := range m.sockets {
			socks = append(socks, s)
		}
		m.mu.Unlock()
		for _, s := range socks {
			s.onClose(e, e.reason)
		}
		reason, cerr := e.reason, e.err
		m.emitClose(reason, cerr)
		switch {
		case reason == ReasonForcedClose:
			attempt = 0
		case m.o.NoReconnection:
			m.failSockets(ErrDisconnected)
			attempt = 0
		default:
			attempt = 1
		}
	}
}

// sleep waits d, unless the manager closes or no socket wants a
// connection any more.
func (m *Manager) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			return true
		case <-m.done:
			return false
		case <-m.kick:
			m.mu.Lock()
			w := m.wantedLocked()
			m.mu.Unlock()
			if !w {
				return false
			}
		}
	}
}

func (m *Manager) isClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

// connectErrors tells the sockets waiting for a connection that an
// attempt failed.
func (m *Manager) connectErrors(err error) {
	m.mu.Lock()
	socks := m.activeSockets()
	m.mu.Unlock()
	for _, s := range socks {
		s.connectError(err, false)
	}
}

// failSockets gives up on the sockets waiting for a connection.
func (m *Manager) failSockets(err error) {
	m.mu.Lock()
	socks := m.activeSockets()
	m.mu.Unlock()
	for _, s := range socks {
		s.giveUp(err)
	}
}

// reportError hands an error no call returns to Options.OnError.
func (m *Manager) reportError(s *Socket, err error) {
	if m.o.OnError != nil {
		m.o.OnError(s, err)
	}
}

// The connHandler methods: the connection's reader calls them.

func (m *Manager) onMessage(e *engineConn, data []byte, binary bool) bool {
	p, err := e.dec.Decode(data, binary)
	if err != nil {
		return false
	}
	if p == nil {
		return true
	}
	m.mu.Lock()
	s := m.sockets[p.Nsp]
	m.mu.Unlock()
	if s != nil {
		s.onPacket(e, p)
	}
	return true
}

func (m *Manager) onPing(*engineConn) {
	m.emitNone(func(h *managerHandlers) []func() { return h.ping })
}

func (m *Manager) onUpgrade(_ *engineConn, transport string) {
	m.mu.Lock()
	hs := slices.Clone(m.h.upgrade)
	m.mu.Unlock()
	if len(hs) > 0 {
		m.disp.push(func() {
			for _, fn := range hs {
				fn(transport)
			}
		}, nil)
	}
}

func (m *Manager) onClose(*engineConn, string, error) {} // the loop waits for it

// The handlers.

// OnOpen registers a handler called each time the connection opens.
func (m *Manager) OnOpen(fn func()) { m.on(func(h *managerHandlers) { h.open = append(h.open, fn) }) }

// OnClose registers a handler called each time the connection closes, with
// the reason (ReasonTransportClose, ReasonPingTimeout, ...) and the error
// behind it, if any.
func (m *Manager) OnClose(fn func(reason string, err error)) {
	m.on(func(h *managerHandlers) { h.close = append(h.close, fn) })
}

// OnError registers a handler called when a connection attempt fails.
func (m *Manager) OnError(fn func(err error)) {
	m.on(func(h *managerHandlers) { h.errors = append(h.errors, fn) })
}

// OnPing registers a handler called for each ping of the server.
func (m *Manager) OnPing(fn func()) { m.on(func(h *managerHandlers) { h.ping = append(h.ping, fn) }) }

// OnUpgrade registers a handler called when the connection moved to
// another transport (from polling to "websocket").
func (m *Manager) OnUpgrade(fn func(transport string)) {
	m.on(func(h *managerHandlers) { h.upgrade = append(h.upgrade, fn) })
}

// OnReconnectAttempt registers a handler called before each reconnection
// attempt, with its number (1 for the first).
func (m *Manager) OnReconnectAttempt(fn func(attempt int)) {
	m.on(func(h *managerHandlers) { h.reconnectAttempt = append(h.reconnectAttempt, fn) })
}

// OnReconnect registers a handler called when a reconnection attempt
// succeeded, with its number.
func (m *Manager) OnReconnect(fn func(attempt int)) {
	m.on(func(h *managerHandlers) { h.reconnect = append(h.reconnect, fn) })
}

// OnReconnectError registers a handler called when a reconnection attempt
// failed.
func (m *Manager) OnReconnectError(fn func(err error)) {
	m.on(func(h *managerHandlers) { h.reconnectError = append(h.reconnectError, fn) })
}

// OnReconnectFailed registers a handler called when
// Options.ReconnectionAttempts attempts failed in a row.
func (m *Manager) OnReconnectFailed(fn func()) {
	m.on(func(h *managerHandlers) { h.reconnectFailed = append(h.reconnectFailed, fn) })
}

func (m *Manager) on(add func(h *managerHandlers)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	add(&m.h)
}

func (m *Manager) emitNone(pick func(h *managerHandlers) []func()) {
	m.mu.Lock()
	hs := slices.Clone(pick(&m.h))
	m.mu.Unlock()
	if len(hs) > 0 {
		m.disp.push(func() {
			for _, fn := range hs {
				fn()
			}
		}, nil)
	}
}

func (m *Manager) emitInt(pick func(h *managerHandlers) []func(int), n int) {
	m.mu.Lock()
	hs := slices.Clone(pick(&m.h))
	m.mu.Unlock()
	if len(hs) > 0 {
		m.disp.push(func() {
			for _, fn := range hs {
				fn(n)
			}
		}, nil)
	}
}

func (m *Manager) emitErr(pick func(h *managerHandlers) []func(error), err error) {
	m.mu.Lock()
	hs := slices.Clone(pick(&m.h))
	m.mu.Unlock()
	if len(hs) > 0 {
		m.disp.push(func() {
			for _, fn := range hs {
				fn(err)
			}
		}, nil)
	}
}

func (m *Manager) emitClose(reason string, err error) {
	m.mu.Lock()
	hs := slices.Clone(m.h.close)
	m.mu.Unlock()
	if len(hs) > 0 {
		m.disp.push(func() {
			for _, fn := range hs {
				fn(reason, err)
			}
		}, nil)
	}
}

func (m *Manager) emitReconnectFailed() {
	m.emitNone(func(h *managerHandlers) []func() { return h.reconnectFailed })
}

// encode encodes a Socket.IO packet as Engine.IO messages: the text (a
// binary message with a binary parser such as parser.MsgPack), then one
// binary message per attachment.
func (m *Manager) encode(p *parser.Packet) ([]engine.Packet, error) {
	text, atts, err := m.o.Parser.Encode(p)
	if err != nil {
		return nil, err
	}
	msgs := make([]engine.Packet, 0, 1+len(atts))
	msgs = append(msgs, engine.Packet{Type: engine.PacketMessage, Data: text, Binary: parser.EncodesBinary(m.o.Parser)})
	for _, a := range atts {
		msgs = append(msgs, engine.Packet{Type: engine.PacketMessage, Data: a, Binary: true})
	}
	return msgs, nil
}

// checkSize refuses messages above the last known maxPayload, for emits
// buffered while disconnected.
func (m *Manager) checkSize(msgs []engine.Packet) error {
	max := m.lastLimit.Load()
	if max <= 0 {
		return nil
	}
	for _, p := range msgs {
		if int64(pollingSize(p)) > max {
			return ErrPayloadTooLarge
		}
	}
	return nil
}

// namespaceOf normalizes a namespace name.
func namespaceOf(nsp string) string {
	if nsp == "" {
		return "/"
	}
	if !strings.HasPrefix(nsp, "/") {
		return "/" + nsp
	}
	return nsp
}
