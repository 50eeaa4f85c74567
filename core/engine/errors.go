package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// Close reasons passed to SessionHandler.OnClose. The strings are Node's.
const (
	ReasonTransportClose = "transport close"      // the client closed the connection or sent a close packet
	ReasonTransportError = "transport error"      // a network or protocol error on the transport
	ReasonPingTimeout    = "ping timeout"         // no pong within PingTimeout
	ReasonParseError     = "parse error"          // the client sent an undecodable packet
	ReasonForcedClose    = "forced close"         // Session.Close
	ReasonServerShutdown = "server shutting down" // Server.Close
	ReasonSlowClient     = "slow client"          // queue overflow with SlowClientDisconnect
)

// Sentinel errors. Match them with errors.Is.
var (
	// ErrClosed is returned by Send and SendVolatile once the session is
	// closing or closed.
	ErrClosed = errors.New("engine: session closed")
	// ErrQueueFull is returned by Send when the packets do not fit in the
	// session's outbound queue (see Options.MaxQueuePackets, MaxQueueBytes).
	ErrQueueFull = errors.New("engine: outbound queue full")
	// ErrDropped is returned by SendVolatile when the transport cannot take
	// the packets right now.
	ErrDropped = errors.New("engine: volatile packet dropped")
	// ErrPayloadTooLarge is wrapped by Request.ReadBody past its limit. A
	// polling POST over MaxHTTPBufferSize is answered 413 with an empty body
	// (as Node does) and does not close the session.
	ErrPayloadTooLarge = errors.New("engine: payload too large")
)

// Error is a protocol error, answered as an HTTP status with the JSON body
// {"code":Code,"message":Message}. The codes are the Engine.IO ones:
//
//	0 Transport unknown
//	1 Session ID unknown
//	2 Bad handshake method
//	3 Bad request
//	4 Forbidden
//	5 Unsupported protocol version
//
// The engine also answers code 3 with its own statuses: 503 "Server shutting
// down" (Server.Close), 503 "Server at capacity" (Options.MaxConnections) and
// 429 "Too many handshakes" (Options.HandshakesPerIP). A POST over
// Options.MaxHTTPBufferSize gets a 413 with an empty body instead, as in
// Node. Limits of the HTTP server itself, such as net/http's MaxHeaderBytes
// (431), fasthttp's ReadBufferSize or its MaxRequestBodySize (Fiber's
// BodyLimit, 4 MiB by default, answered with fasthttp's or Fiber's own 413),
// apply before the engine sees a request.
//
// Options.AllowRequest may return an *Error to choose what a rejected
// handshake answers. An Error is immutable once returned; it may be shared
// between goroutines.
type Error struct {
	Code    int
	Message string
	Status  int // HTTP status; 0 means 403 for code 4 and 400 otherwise
}

// The Engine.IO error codes.
const (
	CodeUnknownTransport   = 0
	CodeUnknownSID         = 1
	CodeBadHandshakeMethod = 2
	CodeBadRequest         = 3
	CodeForbidden          = 4
	CodeUnsupportedVersion = 5
)

var (
	errUnknownTransport   = &Error{Code: CodeUnknownTransport, Message: "Transport unknown"}
	errUnknownSID         = &Error{Code: CodeUnknownSID, Message: "Session ID unknown"}
	errBadHandshakeMethod = &Error{Code: CodeBadHandshakeMethod, Message: "Bad handshake method"}
	errBadRequest         = &Error{Code: CodeBadRequest, Message: "Bad request"}
	errForbidden          = &Error{Code: CodeForbidden, Message: "Forbidden"}
	errUnsupportedVersion = &Error{Code: CodeUnsupportedVersion, Message: "Unsupported protocol version"}
	errShuttingDown       = &Error{Code: CodeBadRequest, Message: "Server shutting down", Status: http.StatusServiceUnavailable}
	errAtCapacity         = &Error{Code: CodeBadRequest, Message: "Server at capacity", Status: http.StatusServiceUnavailable}
	errRateLimited        = &Error{Code: CodeBadRequest, Message: "Too many handshakes", Status: http.StatusTooManyRequests}
)

// Internal causes passed to OnClose with ReasonTransportError / ParseError.
var (
	errGetOverlap       = errors.New("engine: overlapping polling GET from client")
	errBinaryPost       = errors.New("engine: binary POST body is not valid in Engine.IO v4")
	errInvalidHeartbeat = errors.New("engine: ping from client (invalid heartbeat direction)")
	errInvalidUTF8      = fmt.Errorf("%w: text is not valid UTF-8", ErrMalformed)
)

// Error returns "engine: <message> (code N)".
func (e *Error) Error() string {
	return "engine: " + e.Message + " (code " + strconv.Itoa(e.Code) + ")"
}

// HTTPStatus returns Status, or its default: 403 for code 4, 400 otherwise.
func (e *Error) HTTPStatus() int {
	if e.Status != 0 {
		return e.Status
	}
	if e.Code == CodeForbidden {
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// writeError answers e on res as JSON. Headers already set on res (CORS) stay.
func writeError(res Response, e *Error) {
	body, err := json.Marshal(struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{e.Code, e.Message})
	if err != nil { // cannot happen for an int and a string
		body = []byte(fmt.Sprintf(`{"code":%d,"message":"error"}`, e.Code))
	}
	h := res.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	res.WriteHeader(e.HTTPStatus())
	_, _ = res.Write(body)
}

// asError maps an AllowRequest error to the *Error answered to the client.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) && e != nil {
		return e
	}
	return errForbidden
}
