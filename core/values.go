package core

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

type valuesKey struct{}

// WithValues returns a copy of ctx that carries vals, a snapshot of the
// values an HTTP framework's middleware stored for the handshake request
// (gin's c.Keys, echo's declared keys, fiber's Locals). Integrations call it
// before handing the request to the server; handlers read the values with
// [Value]. vals is not copied: the caller must not modify it afterwards.
func WithValues(ctx context.Context, vals map[any]any) context.Context {
	if prev, ok := ctx.Value(valuesKey{}).(map[any]any); ok && len(prev) > 0 {
		merged := make(map[any]any, len(prev)+len(vals))
		for k, v := range prev {
			merged[k] = v
		}
		for k, v := range vals {
			merged[k] = v
		}
		vals = merged
	}
	return context.WithValue(ctx, valuesKey{}, vals)
}

// lookup finds key among the framework values carried by ctx, then among
// ctx's own values.
func lookup(ctx context.Context, key any) (any, bool) {
	if vals, ok := ctx.Value(valuesKey{}).(map[any]any); ok {
		if v, ok := vals[key]; ok {
			return v, true
		}
	}
	if v := ctx.Value(key); v != nil {
		return v, true
	}
	return nil, false
}

// Value returns the value stored under key, when it has type T: first the
// socket's own (SetValue), then those the app's HTTP middleware stored at
// the socket's handshake (through an integration), then the handshake
// request's context values.
func Value[T any](s *Socket, key any) (T, bool) {
	v, ok := s.value(key)
	if !ok {
		v, ok = lookup(s.client.ctx, key)
	}
	if !ok {
		var zero T
		return zero, false
	}
	t, ok := v.(T)
	return t, ok
}

// MustValue is like Value but panics when the value is missing or of another
// type: for values the app's middleware guarantees.
func MustValue[T any](s *Socket, key any) T {
	v, ok := Value[T](s, key)
	if !ok {
		panic(fmt.Sprintf("socket.io: no value of type %T under key %v", v, key))
	}
	return v
}

// IsHandshake reports whether r may open a new Engine.IO session: it
// carries no sid and does not ask for one of the client files
// (Options.ServeClient, see IsClientFile). App middleware in front of the
// socket endpoint can use it to authenticate only the handshake and let the
// session's follow-up requests and the client files through. Any other
// request counts as a handshake (fail closed): one without EIO, say, which
// the engine refuses today, or takes as Engine.IO 3 where that is accepted.
func IsHandshake(r *http.Request) bool {
	return r.URL.Query().Get("sid") == "" && !IsClientFile(r.URL.Path)
}

// IsClientFile reports whether a request path asks for one of the
// socket.io client's browser files a server serves with Options.ServeClient
// ("…/socket.io.min.js" and the others Node serves): its last element is
// one of their names.
func IsClientFile(path string) bool {
	return slices.Contains(clientFileNames, path[strings.LastIndexByte(path, '/')+1:])
}
