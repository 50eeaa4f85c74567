package client

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/gosio/gosio/core/parser"
)

// The transport names of Options.Transports.
const (
	TransportPolling   = "polling"
	TransportWebSocket = "websocket"
)

// Options configure a Manager: the connection to one server, shared by the
// sockets of every namespace. The zero value gives socket.io-client 4.8's
// defaults; each field documents its own. NewManager and Dial copy them
// (the HTTPClient, Dialer and TLSConfig they point to are shared, and must
// not change afterwards); a value of Options is not safe to modify
// concurrently with those calls.
type Options struct {
	// Path is the server's Engine.IO endpoint. Default "/socket.io/" (a
	// trailing slash is added when missing, as socket.io-client does).
	Path string
	// Query holds extra query parameters sent with every request of the
	// connection (the handshake, the polling requests, the WebSocket).
	Query url.Values
	// Header holds extra HTTP headers sent with every request, the
	// WebSocket handshake included (socket.io-client's extraHeaders).
	Header http.Header
	// Transports are the transports to use, in order: the connection opens
	// with the first and, when it is "polling" and "websocket" is listed
	// too, upgrades to WebSocket once open. Default {"polling",
	// "websocket"}. NewManager panics on an unknown name.
	Transports []string
	// NoUpgrade keeps a connection on the transport it opened with.
	// Default false: upgrade from polling to WebSocket when possible.
	NoUpgrade bool
	// TLSConfig configures TLS for https:// and wss:// URLs, for the
	// default HTTP client and WebSocket dialer. Default: Go's defaults.
	TLSConfig *tls.Config
	// HTTPClient sends the polling requests. Default: a client of its own
	// with TLSConfig (http.DefaultTransport's settings otherwise). Its
	// Timeout, if any, must exceed the server's pingInterval, since a
	// polling GET waits that long for data.
	HTTPClient *http.Client
	// Dialer opens WebSocket connections. Default: a dialer with
	// TLSConfig, Go's proxy settings and Timeout as handshake timeout.
	Dialer *websocket.Dialer
	// Timeout bounds each connection attempt, from the first request to
	// the server's open packet (socket.io-client's timeout). Default 20 s.
	Timeout time.Duration

	// NoReconnection turns automatic reconnection off: a lost connection
	// then stays lost until the next Connect. Default false.
	NoReconnection bool
	// ReconnectionAttempts bounds the reconnection attempts in a row before
	// giving up (Manager.OnReconnectFailed, ErrReconnectFailed). Default 0:
	// no bound.
	ReconnectionAttempts int
	// ReconnectionDelay is the delay before the first reconnection attempt;
	// it doubles with each failed attempt, up to ReconnectionDelayMax.
	// Default 1 s.
	ReconnectionDelay time.Duration
	// ReconnectionDelayMax caps the delay between attempts. Default 5 s.
	ReconnectionDelayMax time.Duration
	// RandomizationFactor is the jitter of the delays: each is moved at
	// random by up to that fraction of itself, up or down. Default 0.5; a
	// negative value means no jitter. Values above 1 count as 1.
	RandomizationFactor float64

	// WriteQueueSize bounds the messages waiting to be written on the
	// connection; an emit that does not fit returns ErrQueueFull. Default
	// 1024.
	WriteQueueSize int
	// MaxMessageSize bounds a message read from the server (a WebSocket
	// message, or a polling response); past it the connection is closed
	// with ReasonTransportError. Default 100 MiB.
	MaxMessageSize int64
	// MaxPendingEvents bounds the events of one socket waiting for their
	// handlers; reading from the server pauses while it is full. Default
	// 256.
	MaxPendingEvents int
	// Parser is the packet codec. Default parser.JSON; parser.MsgPack speaks
	// socket.io-msgpack-parser (each packet one binary message), for servers
	// that use it.
	Parser parser.Parser
	// OnError receives the errors no call can return: a handler that
	// returned an error or panicked, arguments that did not decode. s is
	// the socket of the handler. Default: ignore them.
	OnError func(s *Socket, err error)

	// SocketOptions are the defaults of the manager's sockets: the one
	// Dial returns and those Manager.Socket makes with nil options.
	SocketOptions
}

// SocketOptions configure one socket (one namespace on a Manager's
// connection). The zero value works. Manager.Socket copies them; AuthFunc
// is called from the manager's goroutines, one call at a time per socket.
type SocketOptions struct {
	// Auth is the payload of the CONNECT packet, the server's
	// socket.handshake.auth: any value that marshals to a JSON object
	// (a map or a struct), or nil for none.
	Auth any
	// AuthFunc, when set, is called before every connection and
	// reconnection of the socket and its result replaces Auth: this is how
	// a refreshed token reaches the server. ctx ends with the connection
	// attempt. An error fails the connection of this socket: its
	// OnConnectError handlers get it and it does not retry.
	AuthFunc func(ctx context.Context) (any, error)
	// AckTimeout is how long an EmitWithAck waits for its acknowledgement
	// when its context has no earlier deadline, and how long each try of a
	// retried emit waits (socket.io-client's ackTimeout). Default 0: wait
	// for the context alone.
	AckTimeout time.Duration
	// Retries turns on at-least-once delivery: every emit that is not
	// volatile asks the server for an acknowledgement, one at a time, in
	// order, and is sent again (up to Retries more times) when the
	// acknowledgement does not come within AckTimeout or the connection is
	// lost. The server's handlers must acknowledge every event. Default 0:
	// off.
	Retries int
	// SendBufferSize bounds the emits kept while the socket is
	// disconnected, to be sent once it connects; past it an emit returns
	// ErrBufferFull. Default 1000; a negative value keeps none (an emit
	// made while disconnected returns ErrDisconnected).
	SendBufferSize int
}

// withDefaults returns o with its defaults applied; it panics on invalid
// options.
func (o Options) withDefaults() Options {
	if o.Path == "" {
		o.Path = "/socket.io/"
	}
	if o.Path[0] != '/' {
		o.Path = "/" + o.Path
	}
	if o.Path[len(o.Path)-1] != '/' {
		o.Path += "/"
	}
	if len(o.Transports) == 0 {
		o.Transports = []string{TransportPolling, TransportWebSocket}
	}
	for _, t := range o.Transports {
		if t != TransportPolling && t != TransportWebSocket {
			panic(fmt.Sprintf("client: unknown transport %q", t))
		}
	}
	o.Transports = append([]string(nil), o.Transports...)
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	if o.ReconnectionDelay <= 0 {
		o.ReconnectionDelay = time.Second
	}
	if o.ReconnectionDelayMax <= 0 {
		o.ReconnectionDelayMax = 5 * time.Second
	}
	if o.ReconnectionDelayMax < o.ReconnectionDelay {
		o.ReconnectionDelayMax = o.ReconnectionDelay
	}
	switch {
	case o.RandomizationFactor == 0:
		o.RandomizationFactor = 0.5
	case o.RandomizationFactor < 0:
		o.RandomizationFactor = 0
	case o.RandomizationFactor > 1:
		o.RandomizationFactor = 1
	}
	if o.WriteQueueSize <= 0 {
		o.WriteQueueSize = 1024
	}
	if o.MaxMessageSize <= 0 {
		o.MaxMessageSize = 100 << 20
	}
	if o.MaxPendingEvents <= 0 {
		o.MaxPendingEvents = 256
	}
	if o.Parser == nil {
		o.Parser = parser.JSON
	}
	if o.HTTPClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		if o.TLSConfig != nil {
			tr.TLSClientConfig = o.TLSConfig.Clone()
		}
		o.HTTPClient = &http.Client{Transport: tr}
	}
	if o.Dialer == nil {
		o.Dialer = &websocket.Dialer{
			Proxy:            http.ProxyFromEnvironment,
			HandshakeTimeout: o.Timeout,
			TLSClientConfig:  o.TLSConfig,
		}
	}
	o.SocketOptions = o.SocketOptions.withDefaults()
	return o
}

func (o SocketOptions) withDefaults() SocketOptions {
	if o.SendBufferSize == 0 {
		o.SendBufferSize = 1000
	}
	return o
}
