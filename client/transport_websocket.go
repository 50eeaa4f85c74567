package client

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/gosio/gosio/core/engine"
)

// wsTransport is a WebSocket: one Engine.IO packet per message, text
// packets as text messages, binary ones as binary messages.
type wsTransport struct {
	conn      *websocket.Conn
	writeWait time.Duration // bounds each write; 0 for none
	closeOnce sync.Once
}

func (t *wsTransport) name() string { return TransportWebSocket }

// dialWebSocket opens a WebSocket to the endpoint, for a handshake (sid
// empty) or an upgrade.
func dialWebSocket(ctx context.Context, o *Options, base *url.URL, sid string) (*wsTransport, error) {
	h := http.Header{}
	for k, vs := range o.Header {
		h[k] = append([]string(nil), vs...)
	}
	d, release := cancellableDialer(ctx, o.Dialer)
	conn, res, err := d.DialContext(ctx, engineURL(o, base, true, TransportWebSocket, sid), h)
	release()
	if err != nil && ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	if err != nil {
		if res != nil && res.StatusCode != http.StatusSwitchingProtocols {
			var body []byte
			if res.Body != nil {
				body = make([]byte, 512)
				n, _ := res.Body.Read(body)
				body = body[:n]
				res.Body.Close()
			}
			return nil, &HTTPError{StatusCode: res.StatusCode, Body: bodyExcerpt(body)}
		}
		return nil, err
	}
	conn.SetReadLimit(o.MaxMessageSize)
	return &wsTransport{conn: conn}, nil
}

// cancellableDialer returns a copy of d whose connections are closed when
// ctx (the dial's) ends before release is called: the WebSocket library
// bounds its handshake with the context's deadline only, so without this a
// cancelled dial (Manager.Close) would wait for the handshake timeout. The
// contexts the library hands its dial functions end when it returns, so
// they are not the ones watched.
func cancellableDialer(ctx context.Context, d *websocket.Dialer) (*websocket.Dialer, func()) {
	c := *d
	var (
		mu    sync.Mutex
		stops []func() bool
	)
	watch := func(_ context.Context, conn net.Conn) {
		mu.Lock()
		stops = append(stops, context.AfterFunc(ctx, func() { conn.Close() }))
		mu.Unlock()
	}
	switch {
	case d.NetDialContext != nil:
		inner := d.NetDialContext
		c.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := inner(ctx, network, addr)
			if err == nil {
				watch(ctx, conn)
			}
			return conn, err
		}
	case d.NetDial != nil:
		inner := d.NetDial
		c.NetDial = nil
		c.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := inner(network, addr)
			if err == nil {
				watch(ctx, conn)
			}
			return conn, err
		}
	default:
		var nd net.Dialer
		c.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := nd.DialContext(ctx, network, addr)
			if err == nil {
				watch(ctx, conn)
			}
			return conn, err
		}
	}
	if d.NetDialTLSContext != nil {
		inner := d.NetDialTLSContext
		c.NetDialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := inner(ctx, network, addr)
			if err == nil {
				watch(ctx, conn)
			}
			return conn, err
		}
	}
	return &c, func() {
		mu.Lock()
		defer mu.Unlock()
		for _, stop := range stops {
			stop()
		}
	}
}

// openWebSocket opens a connection directly over WebSocket and reads the
// open packet.
func openWebSocket(ctx context.Context, o *Options, base *url.URL) (*wsTransport, handshake, error) {
	t, err := dialWebSocket(ctx, o, base, "")
	if err != nil {
		return nil, handshake{}, err
	}
	stop := context.AfterFunc(ctx, t.close)
	p, err := t.read()
	if !stop() {
		err = context.Cause(ctx)
	}
	if err != nil {
		t.close()
		return nil, handshake{}, err
	}
	hs, err := parseOpen(p)
	if err != nil {
		t.close()
		return nil, handshake{}, err
	}
	t.writeWait = time.Duration(hs.PingInterval+hs.PingTimeout) * time.Millisecond
	return t, hs, nil
}

// read returns the next packet.
func (t *wsTransport) read() (engine.Packet, error) {
	mt, data, err := t.conn.ReadMessage()
	if err != nil {
		return engine.Packet{}, err
	}
	return engine.DecodePacket(data, mt == websocket.BinaryMessage)
}

// write sends each packet as one message.
func (t *wsTransport) write(ctx context.Context, pkts []engine.Packet) error {
	if t.writeWait > 0 {
		_ = t.conn.SetWriteDeadline(time.Now().Add(t.writeWait))
	}
	var buf []byte
	for _, p := range pkts {
		var err error
		if p.Binary {
			err = t.conn.WriteMessage(websocket.BinaryMessage, p.Data)
		} else {
			buf = engine.EncodePacket(buf[:0], p)
			err = t.conn.WriteMessage(websocket.TextMessage, buf)
		}
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// close sends a close frame (without waiting for the answer) and closes
// the connection.
func (t *wsTransport) close() {
	t.closeOnce.Do(func() {
		msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
		_ = t.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(100*time.Millisecond))
		_ = t.conn.Close()
	})
}
