package middleware

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/gosio/gosio/core"
)

// ErrNoToken is the reason [Auth] refuses a socket whose handshake carries
// no token: match it with errors.Is on the error the connect chain returns.
var ErrNoToken = errors.New("no token")

// TokenSource finds a token in a socket's handshake; it returns "" when
// there is none. It is called on the connection's handler goroutine and
// must not keep the socket.
type TokenSource func(s *core.Socket) string

// FromAuth returns a TokenSource that reads the string field of the
// CONNECT auth payload, e.g. field "token" for the client's
// io({auth: {token: "..."}}). This is the only source a WebSocket-only
// browser client can fill: browsers send no custom headers on WebSocket
// requests.
func FromAuth(field string) TokenSource {
	return func(s *core.Socket) string {
		var payload map[string]json.RawMessage
		if json.Unmarshal(s.Handshake().Auth, &payload) != nil {
			return ""
		}
		var tok string
		if json.Unmarshal(payload[field], &tok) != nil {
			return ""
		}
		return tok
	}
}

// FromBearer returns a TokenSource that reads "Authorization: Bearer
// <token>" from the handshake request (the scheme is matched without
// regard to case). Clients set it with extraHeaders, which browsers honour
// on polling requests only.
func FromBearer() TokenSource {
	return func(s *core.Socket) string {
		h := s.Handshake().Header.Get("Authorization")
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return ""
		}
		return strings.TrimSpace(tok)
	}
}

// FromCookie returns a TokenSource that reads the named cookie of the
// handshake request.
func FromCookie(name string) TokenSource {
	return func(s *core.Socket) string {
		r := http.Request{Header: s.Handshake().Header}
		c, err := r.Cookie(name)
		if err != nil {
			return ""
		}
		return c.Value
	}
}

// AuthOptions configure [Auth]. Validate is required; the zero value of every
// other field works. Immutable once passed to Auth: Validate is called
// concurrently for different sockets.
type AuthOptions[T any] struct {
	// Validate checks a token and returns what it stands for (the user, the
	// claims). It runs on the connection's handler goroutine, before the
	// socket is connected, with the socket's context (it carries the
	// handshake request's values). An error refuses the socket: a
	// *core.ConnectError is sent to the client as it is; any other error is
	// sent as Message and Data, and kept in the [AuthError] for logs.
	// Required.
	Validate func(ctx context.Context, token string) (T, error)
	// Sources are tried in order; the first token found is validated.
	// Default: FromAuth("token"), then FromBearer().
	Sources []TokenSource
	// Message is the connect_error message of a refused socket. Default
	// "unauthorized".
	Message string
	// Data is the connect_error data of a refused socket. Default none.
	Data any
	// Optional admits a socket whose handshake carries no token, without a
	// user. Default false: such a socket is refused.
	Optional bool
}

// AuthError is the error [Auth] returns when it refuses a socket. The
// client receives Refusal as its connect_error (core finds it with
// errors.As); Err is the reason, for logs: ErrNoToken or Validate's error. It
// is not modified after it is made: read it from any goroutine.
type AuthError struct {
	Refusal *core.ConnectError
	Err     error
}

func (e *AuthError) Error() string { return e.Refusal.Message + ": " + e.Err.Error() }

// Unwrap returns the refusal and the reason, for errors.Is and errors.As.
func (e *AuthError) Unwrap() []error { return []error{e.Refusal, e.Err} }

// userKey is the socket value key under which Auth keeps its result.
type userKey struct{}

// Auth returns a connect middleware that authenticates each socket with a
// token from its handshake. It refuses a socket without a token (unless
// Optional) or whose token Validate rejects; otherwise it stores Validate's
// result, which [User] returns from then on (in later connect middlewares,
// connection, event and disconnect handlers), and calls next.
//
// The result lives as long as the socket, so its disconnect handlers find
// it too. A socket restored by
// connection state recovery is a new socket that the connect chain skips
// unless core.ConnectionStateRecovery.RunMiddlewares is set: without it,
// User finds nothing for it.
//
// Auth panics when Validate is nil. The returned middleware is safe for
// concurrent use.
func Auth[T any](opts AuthOptions[T]) core.ConnectMiddleware {
	if opts.Validate == nil {
		panic("middleware: AuthOptions.Validate is nil")
	}
	sources := opts.Sources
	if len(sources) == 0 {
		sources = []TokenSource{FromAuth("token"), FromBearer()}
	}
	sources = append([]TokenSource(nil), sources...)
	refusal := opts.Message
	if refusal == "" {
		refusal = "unauthorized"
	}
	refuse := func(err error) error {
		var ce *core.ConnectError
		if errors.As(err, &ce) {
			return err
		}
		return &AuthError{Refusal: core.NewConnectError(refusal, opts.Data), Err: err}
	}
	return func(next core.ConnectHandler) core.ConnectHandler {
		return func(s *core.Socket) (err error) {
			var token string
			for _, src := range sources {
				if token = src(s); token != "" {
					break
				}
			}
			if token == "" {
				if opts.Optional {
					return next(s)
				}
				return refuse(ErrNoToken)
			}
			user, err := opts.Validate(s.Context(), token)
			if err != nil {
				return refuse(err)
			}
			s.SetValue(userKey{}, user)
			return next(s)
		}
	}
}

// User returns the value [Auth]'s Validate returned for the socket, when
// it has type T. It is safe for concurrent use.
func User[T any](s *core.Socket) (T, bool) { return core.Value[T](s, userKey{}) }
