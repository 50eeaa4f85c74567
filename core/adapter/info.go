package adapter

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gosio/gosio/core/parser"
)

// Handshake describes the request that opened a socket, in the shape Node's
// socket.io exposes as socket.handshake and exchanges between servers. A
// Handshake is immutable once the socket is connected; it may be read
// concurrently.
type Handshake struct {
	// Header holds the request headers, Host included.
	Header http.Header
	// Time is when the handshake happened.
	Time time.Time
	// Address is the client's remote address without the port: "127.0.0.1",
	// or "::1" for IPv6 (no brackets).
	Address string
	// XDomain reports a cross-origin request (an Origin header was sent).
	XDomain bool
	// Secure reports a TLS connection.
	Secure bool
	// URL is the request URI as received.
	URL string
	// Query holds the query parameters of the request.
	Query url.Values
	// Auth is the CONNECT packet's payload, as raw JSON ("{}" when absent).
	Auth json.RawMessage
}

// handshakeJSON is the wire shape of Handshake shared with Node servers.
type handshakeJSON struct {
	Headers map[string]any    `json:"headers"`
	Time    string            `json:"time"`
	Address string            `json:"address"`
	XDomain bool              `json:"xdomain"`
	Secure  bool              `json:"secure"`
	Issued  int64             `json:"issued"`
	URL     string            `json:"url"`
	Query   map[string]string `json:"query"`
	Auth    json.RawMessage   `json:"auth"`
}

// nodeTimeLayout is how JavaScript's Date.prototype.toString prints a time
// in UTC, which is what Node servers send as handshake.time.
const nodeTimeLayout = "Mon Jan 02 2006 15:04:05 GMT-0700"

// MarshalJSON encodes the handshake as Node's servers do: lower-case header
// names, single-valued query parameters, time as a string and issued in
// milliseconds.
func (h Handshake) MarshalJSON() ([]byte, error) {
	out := handshakeJSON{
		Headers: make(map[string]any, len(h.Header)),
		Time:    h.Time.UTC().Format(nodeTimeLayout) + " (Coordinated Universal Time)",
		Address: h.Address,
		XDomain: h.XDomain,
		Secure:  h.Secure,
		Issued:  h.Time.UnixMilli(),
		URL:     h.URL,
		Query:   make(map[string]string, len(h.Query)),
		Auth:    h.Auth,
	}
	for k, v := range h.Header {
		name := strings.ToLower(k)
		switch {
		case name == "set-cookie":
			out.Headers[name] = v
		case len(v) > 0:
			out.Headers[name] = strings.Join(v, ", ")
		}
	}
	for k, v := range h.Query {
		if len(v) > 0 {
			out.Query[k] = v[0]
		}
	}
	if len(out.Auth) == 0 {
		out.Auth = json.RawMessage("{}")
	}
	// Like JSON.stringify, leave <, > and & alone (an encoder that escapes
	// HTML may still escape them around this value: the JSON is the same).
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// UnmarshalJSON decodes a handshake sent by another server, Node's or ours.
func (h *Handshake) UnmarshalJSON(b []byte) error {
	var in handshakeJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*h = Handshake{
		Header:  make(http.Header, len(in.Headers)),
		Time:    time.UnixMilli(in.Issued),
		Address: in.Address,
		XDomain: in.XDomain,
		Secure:  in.Secure,
		URL:     in.URL,
		Query:   make(url.Values, len(in.Query)),
		Auth:    in.Auth,
	}
	for k, v := range in.Headers {
		key := http.CanonicalHeaderKey(k)
		switch v := v.(type) {
		case string:
			h.Header[key] = []string{v}
		case []any:
			for _, e := range v {
				if s, ok := e.(string); ok {
					h.Header[key] = append(h.Header[key], s)
				}
			}
		}
	}
	for k, v := range in.Query {
		h.Query[k] = []string{v}
	}
	return nil
}

// SocketInfo describes a socket for FetchSockets. For a local socket Data is
// the socket's own data value; for a socket of another server it is the raw
// JSON that server sent (json.RawMessage), or a generic value decoded from
// MessagePack. A SocketInfo is a snapshot, owned by whoever got it; its
// Handshake and a local socket's Data are shared with the socket, to read only.
// Its owner may use it from any goroutine; it is not safe for concurrent
// modification.
type SocketInfo struct {
	ID        SocketID   `json:"id"`
	Handshake *Handshake `json:"handshake"`
	Rooms     []Room     `json:"rooms"`
	Data      any        `json:"data"`
	// Local reports a socket of this server.
	Local bool `json:"-"`
}

// localInfo describes the local socket s.
func localInfo(s Socket) SocketInfo {
	return SocketInfo{ID: s.ID(), Handshake: s.Handshake(), Rooms: s.Rooms(), Data: s.Data(), Local: true}
}

// SocketState is the state kept for a socket that went away unexpectedly, so that
// a client reconnecting within the recovery window gets it back. It is
// handed over whole: PersistSession's caller lets go of it, and
// RestoreSession's fn gets a SocketState of its own. Its owner may use it
// from any goroutine, but only one goroutine at a time: it is not safe for
// concurrent use.
type SocketState struct {
	// SID is the socket's public id, PID its private id (the client's proof).
	SID, PID string
	Rooms    []Room
	Data     any
	// Missed are the packets broadcast to the socket's rooms after the
	// client's last offset, oldest first; RestoreSession fills it.
	Missed []*parser.Packet
}

// Session is the old name of SocketState.
//
// Deprecated: use SocketState.
type Session = SocketState
