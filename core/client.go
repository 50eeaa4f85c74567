package core

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/core/parser"
)

// client is one Engine.IO session seen by the Socket.IO layer: it decodes
// packets and multiplexes the session's namespaces.
type client struct {
	srv  *Server
	sess *engine.Session
	ctx  context.Context      // the handshake request's context, detached
	dec  parser.PacketDecoder // used only from OnMessage, which the engine serializes
	disp *dispatcher

	mu          sync.Mutex
	sockets     []*Socket       // connected, one per namespace; a few at most
	connecting  map[string]bool // namespaces whose connect is under way; nil when none
	closed      bool
	closeReason string      // set before closing the session for a reason of ours
	timer       *time.Timer // the connect timeout, until a namespace joins
}

func newClient(srv *Server, sess *engine.Session) *client {
	ctx := sess.OpenRequest().Context
	if ctx == nil {
		ctx = context.Background()
	}
	c := &client{
		srv:  srv,
		sess: sess,
		ctx:  ctx,
		dec:  srv.opts.Parser.NewDecoder(),
		disp: newDispatcher(&srv.workers, srv.opts.MaxPendingEvents,
			int(srv.eng.Options().MaxHTTPBufferSize), sess.Done),
	}
	c.timer = time.AfterFunc(srv.opts.ConnectTimeout, c.onConnectTimeout)
	return c
}

func (c *client) onConnectTimeout() {
	c.mu.Lock()
	idle := len(c.sockets) == 0 && len(c.connecting) == 0 && !c.closed
	c.mu.Unlock()
	if idle {
		c.srv.opts.Logger.Debug("socket.io: no namespace joined in time", "sid", c.sess.ID())
		c.sess.Close()
	}
}

// closeFor closes the connection, reporting reason to its sockets.
func (c *client) closeFor(reason string) {
	c.mu.Lock()
	if c.closeReason == "" {
		c.closeReason = reason
	}
	c.mu.Unlock()
	c.sess.Close()
}

func (c *client) onMessage(m engine.Message) {
	c.srv.observeMessages(true, m)
	p, err := c.dec.Decode(m.Data, m.Binary)
	if err != nil {
		c.srv.opts.Logger.Debug("socket.io: bad packet", "sid", c.sess.ID(), "err", err)
		c.closeFor(ReasonParseError)
		return
	}
	if p == nil {
		return // waiting for attachments
	}
	switch p.Type {
	case parser.Connect:
		c.connect(p)
	case parser.Event, parser.BinaryEvent:
		if s := c.socket(p.Nsp); s != nil {
			c.disp.push(func() { s.onEvent(p) }, len(p.Nsp)+encodedSize(p.Raw, p.Attachments), true)
		}
	case parser.Ack, parser.BinaryAck:
		if s := c.socket(p.Nsp); s != nil {
			s.onAck(p)
		}
	case parser.Disconnect:
		if s := c.socket(p.Nsp); s != nil {
			s.close(ReasonClientNamespaceDisconnect)
		}
	default:
		c.closeFor(ReasonParseError)
	}
}

func (c *client) socket(nsp string) *Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.socketLocked(nsp)
}

// socketLocked returns the socket of namespace nsp, or nil. A slice, not a
// map: a connection joins one namespace or a few, and an empty Go map with
// its first entry costs ~200 bytes on every idle connection.
func (c *client) socketLocked(nsp string) *Socket {
	for _, s := range c.sockets {
		if s.nsp.name == nsp {
			return s
		}
	}
	return nil
}

// connect handles a CONNECT packet: the namespace's middlewares and
// connection handlers run on the dispatcher, in order with the events.
func (c *client) connect(p *parser.Packet) {
	name := p.Nsp
	auth := json.RawMessage(p.Raw)
	if c.isEIO3() {
		name, auth = splitNamespace3(name)
	}
	if len(auth) == 0 {
		auth = json.RawMessage("{}")
	}
	c.mu.Lock()
	// A socket whose disconnect is under way does not count: the client
	// may connect again as soon as it sent DISCONNECT or got one (the
	// new socket's connect runs on the dispatcher after the old one's
	// disconnect sequence).
	if s := c.socketLocked(name); c.closed || (s != nil && s.Connected()) || c.connecting[name] {
		c.mu.Unlock()
		return
	}
	if len(c.sockets)+len(c.connecting) >= c.srv.opts.MaxNamespacesPerClient {
		c.mu.Unlock()
		c.sendConnectError(name, errors.New("Too many namespaces"))
		return
	}
	if c.connecting == nil {
		c.connecting = make(map[string]bool, 1)
	}
	c.connecting[name] = true
	c.mu.Unlock()
	c.disp.push(func() {
		// A panic must not leave the namespace marked as connecting.
		defer c.doneConnecting(name)
		hs := c.handshake(auth)
		nsp := c.srv.namespaceFor(name, hs)
		if nsp == nil {
			c.refuse(name, ErrInvalidNamespace)
			return
		}
		nsp.add(c, hs)
	}, len(name)+len(auth), true)
}

// handshake builds the Socket.IO handshake of a socket from the engine's
// snapshot of the request and the CONNECT payload.
func (c *client) handshake(auth json.RawMessage) *Handshake {
	eh := c.sess.OpenRequest()
	return &Handshake{
		Header:  eh.Header,
		Time:    eh.Time,
		Address: remoteHost(eh.RemoteAddr),
		XDomain: eh.Header.Get("Origin") != "",
		Secure:  eh.Secure,
		URL:     eh.URL,
		Query:   eh.Query,
		Auth:    auth,
	}
}

// remoteHost is the host of a "host:port" remote address, as Node's
// handshake.address: "127.0.0.1", or "::1" without brackets. An address
// without a port (a Unix socket's, say) is kept whole.
func remoteHost(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// doneConnecting ends the connect under way for nsp, so that the client may
// try again.
func (c *client) doneConnecting(nsp string) {
	c.mu.Lock()
	c.doneConnectingLocked(nsp)
	c.mu.Unlock()
}

// doneConnectingLocked drops the map once empty: a connected client, idle
// for hours, need not keep it (a Go map keeps its memory when emptied).
func (c *client) doneConnectingLocked(nsp string) {
	delete(c.connecting, nsp)
	if len(c.connecting) == 0 {
		c.connecting = nil
	}
}

// refuse answers a CONNECT with a CONNECT_ERROR; the client may retry as
// soon as it has the answer.
func (c *client) refuse(nsp string, err error) {
	c.doneConnecting(nsp)
	if h := c.srv.opts.Hooks.OnConnectError; h != nil {
		h(nsp, err)
	}
	if c.isEIO3() && !errors.Is(err, ErrInvalidNamespace) {
		c.connectError3(nsp, err)
		return
	}
	c.sendConnectError(nsp, err)
}

func (c *client) sendConnectError(nsp string, err error) {
	_ = c.writePacket(&parser.Packet{Type: parser.ConnectError, Nsp: nsp, Data: connectErrorPayload(err)}, false)
}

// attach registers a connected socket; it fails when the connection closed
// meanwhile.
func (c *client) attach(s *Socket) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	if i := slices.IndexFunc(c.sockets, func(o *Socket) bool { return o.nsp.name == s.nsp.name }); i >= 0 {
		c.sockets[i] = s
	} else {
		c.sockets = append(c.sockets, s)
	}
	c.doneConnectingLocked(s.nsp.name)
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil // a connected client keeps no timer
	}
	return true
}

func (c *client) detach(s *Socket) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i := slices.Index(c.sockets, s); i >= 0 {
		c.sockets = slices.Delete(c.sockets, i, i+1)
	}
}

// writePacket encodes p and queues it.
func (c *client) writePacket(p *parser.Packet, volatile bool) error {
	text, att, err := c.srv.opts.Parser.Encode(p)
	if err != nil {
		return err
	}
	return c.write(text, att, volatile)
}

// write queues an encoded packet: its text frame and attachments go out
// together, never interleaved with another packet.
func (c *client) write(text []byte, att [][]byte, volatile bool) error {
	var msgs []engine.Message
	if len(att) == 0 {
		msgs = []engine.Message{{Data: text, Binary: c.srv.binPackets}}
	} else {
		msgs = make([]engine.Message, 0, 1+len(att))
		msgs = append(msgs, engine.Message{Data: text, Binary: c.srv.binPackets})
		for _, a := range att {
			msgs = append(msgs, engine.Message{Data: a, Binary: true})
		}
	}
	if volatile {
		err := c.sess.SendVolatile(msgs...)
		if err == nil {
			c.srv.observeMessages(false, msgs...)
		}
		if errors.Is(err, engine.ErrDropped) {
			return nil
		}
		return err
	}
	err := c.sess.Send(msgs...)
	if err == nil {
		c.srv.observeMessages(false, msgs...)
	}
	return err
}

// onClose runs when the engine session closed: every socket disconnects with
// the session's reason, unless we closed it for a reason of our own.
func (c *client) onClose(reason string) {
	c.mu.Lock()
	c.closed = true
	if c.closeReason != "" {
		reason = c.closeReason
	}
	socks := slices.Clone(c.sockets)
	timer := c.timer
	c.timer = nil
	c.mu.Unlock()
	if timer != nil {
		timer.Stop()
	}
	for _, s := range socks {
		s.close(reason)
	}
}

// disconnectAll disconnects every socket of the connection (each gets a
// DISCONNECT packet) and closes it.
func (c *client) disconnectAll() {
	c.mu.Lock()
	socks := slices.Clone(c.sockets)
	c.mu.Unlock()
	for _, s := range socks {
		s.Disconnect(false)
	}
	c.closeFor(ReasonServerNamespaceDisconnect)
}
