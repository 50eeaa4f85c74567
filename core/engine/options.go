package engine

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"time"
)

// SlowClientPolicy says what Send does when a session's outbound queue is full.
// It is a plain value, safe to copy and share.
type SlowClientPolicy int

const (
	// SlowClientError makes Send return ErrQueueFull without queueing
	// anything. It is the default.
	SlowClientError SlowClientPolicy = iota
	// SlowClientDisconnect closes the session with ReasonSlowClient (queued
	// packets are dropped); Send returns ErrQueueFull.
	SlowClientDisconnect
)

// Transport names, as in the "transport" query parameter.
const (
	TransportPolling   = "polling"
	TransportWebSocket = "websocket"
)

// Options configures a Server. The zero value works; each field documents its
// default. NewServer copies the Options; changing them afterwards has no
// effect. The callbacks may be called concurrently from many requests.
type Options struct {
	// PingInterval is the time between two server pings. Default 25s.
	PingInterval time.Duration
	// PingTimeout is how long the server waits for a pong after a ping
	// before closing the session with ReasonPingTimeout. Default 20s.
	PingTimeout time.Duration
	// UpgradeTimeout bounds a polling→websocket upgrade, from the WebSocket
	// connection to the client's upgrade packet. Past it the WebSocket is
	// closed and the session stays on polling. Default 10s.
	UpgradeTimeout time.Duration
	// MaxHTTPBufferSize is the largest POST body and the largest WebSocket
	// message accepted, in bytes. It is announced as maxPayload. As in
	// Node, a larger POST is dropped with a 413 and leaves the session to
	// the client, and a larger WebSocket message closes the session
	// (close code 1009, ReasonTransportError). Default 1e6.
	MaxHTTPBufferSize int64
	// Transports lists the allowed transports, among "polling" and
	// "websocket". Default both.
	Transports []string
	// DisableUpgrades forbids polling→websocket upgrades (Node's
	// allowUpgrades=false). Default false: upgrades are allowed when
	// "websocket" is in Transports.
	DisableUpgrades bool
	// CORS configures the CORS headers of polling responses and preflight
	// requests. Default nil: no CORS header at all.
	CORS *CORS
	// AllowRequest may reject a handshake. Returning an *Error chooses the
	// code, message and status; any other error answers code 4 "Forbidden"
	// with status 403. Default nil: every handshake is accepted.
	AllowRequest func(r Request) error
	// Cookie, when set, makes handshakes set a cookie holding the session
	// ID (for sticky load balancing). Default nil: no cookie.
	Cookie *Cookie
	// InitialHeaders may add headers to the handshake response (polling or
	// WebSocket 101). Default nil.
	InitialHeaders func(r Request, h http.Header)
	// Headers may add headers to every polling response. Default nil.
	Headers func(r Request, h http.Header)
	// CheckOrigin decides whether a WebSocket request's Origin is accepted.
	// Default: every origin when CORS is nil, otherwise the origins CORS
	// allows; requests without an Origin header are always accepted by the
	// default.
	CheckOrigin func(r Request) bool
	// MaxQueuePackets bounds each session's outbound queue, in packets. On
	// WebSocket the packets being written count too, so this is all the
	// server holds for a client that stops reading. Default 4096.
	MaxQueuePackets int
	// MaxQueueBytes bounds each session's outbound queue, in bytes of packet
	// data, like MaxQueuePackets. Default 8 MiB.
	MaxQueueBytes int
	// SlowClient is applied when Send finds the queue full. Default
	// SlowClientError.
	SlowClient SlowClientPolicy
	// WriteTimeout bounds each WebSocket write and each polling response
	// write, and a graceful close's flush. A WebSocket client that stops
	// reading fills the kernel's buffers, then the queue (see SlowClient);
	// once a write has been blocked this long the session closes with
	// ReasonTransportError. Default 10s.
	WriteTimeout time.Duration
	// MaxConnections bounds the number of open sessions. A handshake past
	// it is answered HTTP 503 with {"code":3,"message":"Server at
	// capacity"}; upgrades of existing sessions are not affected. The bound
	// is checked before a WebSocket handshake answers 101 and enforced again
	// when the session registers: of concurrent WebSocket handshakes racing
	// for the last place, the losers are closed right after the upgrade.
	// Default 0: no limit.
	MaxConnections int
	// HandshakesPerIP rate-limits handshakes (new sessions, polling or
	// WebSocket; not the requests of existing sessions) per client, by
	// default per remote IP. A handshake over the limit is answered HTTP 429
	// with a Retry-After header and {"code":3,"message":"Too many
	// handshakes"}. It is checked before AllowRequest. Default zero: no
	// limit.
	HandshakesPerIP HandshakeLimit
	// AllowEIO3 accepts Engine.IO 3 clients (socket.io-client 2.x), as
	// Node's allowEIO3: a handshake whose EIO is not 4, or that has none, is
	// then taken as version 3 (see Session.Protocol). Default false: such a
	// handshake gets HTTP 400 with code 5 "Unsupported protocol version".
	AllowEIO3 bool
	// Logger receives protocol chatter at Debug level, with the attributes
	// sid, transport and remote_addr. Default: discard.
	Logger *slog.Logger
}

// CORS configures Cross-Origin Resource Sharing for the polling transport,
// like Node's cors package. Set either Origins or AllowOrigin. Immutable once
// given to NewServer.
type CORS struct {
	// Origins lists the allowed origins exactly ("https://example.com").
	// "*" allows any origin and is only valid without Credentials (NewServer
	// panics otherwise).
	Origins []string
	// AllowOrigin decides per origin; used when Origins is empty.
	AllowOrigin func(origin string) bool
	// Credentials sends Access-Control-Allow-Credentials: true.
	Credentials bool
	// Methods for preflight responses. Default GET,HEAD,PUT,PATCH,POST,DELETE
	// (Node's).
	Methods []string
	// AllowedHeaders for preflight responses. Default: echo the request's
	// Access-Control-Request-Headers.
	AllowedHeaders []string
	// ExposedHeaders sent as Access-Control-Expose-Headers. Default none.
	ExposedHeaders []string
	// MaxAge of a preflight answer. Default 0: header omitted.
	MaxAge time.Duration
}

// Cookie configures the session cookie set at the handshake. Immutable once
// given to NewServer.
type Cookie struct {
	// Name of the cookie. Default "io".
	Name string
	// Path of the cookie. Default "/".
	Path string
	// HTTPOnly adds the HttpOnly attribute. Node sets it by default; a Go
	// bool cannot tell "unset" from false, so here it is taken literally:
	// set it to true to match Node's default cookie.
	HTTPOnly bool
	// SameSite attribute. Default (zero) http.SameSiteLaxMode.
	SameSite http.SameSite
	// Secure adds the Secure attribute.
	Secure bool
}

const (
	defaultPingInterval    = 25 * time.Second
	defaultPingTimeout     = 20 * time.Second
	defaultUpgradeTimeout  = 10 * time.Second
	defaultMaxHTTPBuffer   = 1_000_000
	defaultMaxQueuePackets = 4096
	defaultMaxQueueBytes   = 8 << 20
	defaultWriteTimeout    = 10 * time.Second
)

var defaultCORSMethods = []string{"GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"}

// withDefaults returns a copy of o with every default applied. It panics on
// programmer errors.
func (o Options) withDefaults() Options {
	if o.PingInterval <= 0 {
		o.PingInterval = defaultPingInterval
	}
	if o.PingTimeout <= 0 {
		o.PingTimeout = defaultPingTimeout
	}
	if o.UpgradeTimeout <= 0 {
		o.UpgradeTimeout = defaultUpgradeTimeout
	}
	if o.MaxHTTPBufferSize <= 0 {
		o.MaxHTTPBufferSize = defaultMaxHTTPBuffer
	}
	if len(o.Transports) == 0 {
		o.Transports = []string{TransportPolling, TransportWebSocket}
	} else {
		o.Transports = slices.Clone(o.Transports)
		for _, t := range o.Transports {
			if t != TransportPolling && t != TransportWebSocket {
				panic("engine: unknown transport " + t + " in Options.Transports")
			}
		}
	}
	if o.MaxQueuePackets <= 0 {
		o.MaxQueuePackets = defaultMaxQueuePackets
	}
	if o.MaxQueueBytes <= 0 {
		o.MaxQueueBytes = defaultMaxQueueBytes
	}
	if o.SlowClient != SlowClientError && o.SlowClient != SlowClientDisconnect {
		panic("engine: unknown Options.SlowClient policy")
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = defaultWriteTimeout
	}
	if o.MaxConnections < 0 {
		o.MaxConnections = 0
	}
	o.HandshakesPerIP = o.HandshakesPerIP.withDefaults()
	if o.Logger == nil {
		o.Logger = slog.New(discardHandler{})
	}
	if o.CORS != nil {
		c := *o.CORS
		if slices.Contains(c.Origins, "*") && c.Credentials {
			panic(`engine: CORS origin "*" cannot be used with Credentials`)
		}
		if len(c.Methods) == 0 {
			c.Methods = defaultCORSMethods
		}
		c.Origins = slices.Clone(c.Origins)
		o.CORS = &c
	}
	if o.Cookie != nil {
		c := *o.Cookie
		if c.Name == "" {
			c.Name = "io"
		}
		if c.Path == "" {
			c.Path = "/"
		}
		if c.SameSite == 0 {
			c.SameSite = http.SameSiteLaxMode
		}
		o.Cookie = &c
	}
	return o
}

func (o *Options) allows(transport string) bool { return slices.Contains(o.Transports, transport) }

func (o *Options) upgrades() []string {
	if o.DisableUpgrades || !o.allows(TransportWebSocket) {
		return []string{}
	}
	return []string{TransportWebSocket}
}

// discardHandler is slog.DiscardHandler, which needs Go 1.24.
type discardHandler struct{}

func (discardHandler) Enabled(context.Context, slog.Level) bool  { return false }
func (discardHandler) Handle(context.Context, slog.Record) error { return nil }
func (d discardHandler) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discardHandler) WithGroup(string) slog.Handler           { return d }
