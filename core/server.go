package core

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/core/parser"
)

// Server is a Socket.IO server: it serves the Engine.IO transports over
// HTTP, multiplexes namespaces on each connection, and dispatches events to
// handlers. Mount it on net/http (it is an http.Handler), on fasthttp with
// ServeFastHTTP, or through an integration (siogin, sioecho, siofiber).
//
// All methods are safe for concurrent use.
type Server struct {
	opts    Options
	eng     *engine.Server
	main    *Namespace
	workers sync.WaitGroup
	closed  atomic.Bool
	// binPackets is set when the parser's packets are binary messages.
	binPackets bool
	client     *clientServer             // nil unless Options.ServeClient
	obs        atomic.Pointer[observers] // Observe's; nil for none

	mu      sync.RWMutex
	nsps    map[string]*Namespace
	parents []*ParentNamespace
}

// NewServer returns a server configured by opts (nil for the defaults). It
// panics on invalid options.
func NewServer(opts *Options) *Server {
	var o Options
	if opts != nil {
		o = *opts
	}
	s := &Server{opts: o.withDefaults(), nsps: make(map[string]*Namespace)}
	s.binPackets = parser.EncodesBinary(s.opts.Parser)
	if s.opts.ServeClient != nil {
		s.client = newClientServer(s.opts.ServeClient, s.opts.Path)
	}
	s.eng = engine.NewServer((*engineHandler)(s), s.opts.Engine)
	s.main = s.Of("/")
	return s
}

// Options returns the server's options with their defaults applied.
func (s *Server) Options() Options { return s.opts }

// Path returns the path integrations mount the server on.
func (s *Server) Path() string { return s.opts.Path }

// Paths returns the routes an integration registers: Path with and without
// its trailing slash ("/socket.io" and "/socket.io/"), so that clients reach
// the server without redirects, or with it only when
// Options.AddTrailingSlash is true; and the client files when
// Options.ServeClient is set.
func (s *Server) Paths() []string {
	bare := strings.TrimRight(s.opts.Path, "/")
	var out []string
	switch {
	case bare == "":
		out = []string{"/"}
	case s.strictSlash():
		out = []string{bare + "/"}
	default:
		out = []string{bare, bare + "/"}
	}
	if s.client != nil {
		out = append(out, s.client.paths()...)
	}
	return out
}

// strictSlash reports whether only Path with its trailing slash is served.
func (s *Server) strictSlash() bool {
	return s.opts.AddTrailingSlash != nil && *s.opts.AddTrailingSlash
}

// refused reports whether a request at path is refused for lacking the
// trailing slash of Path (Options.AddTrailingSlash true).
func (s *Server) refused(path string) bool {
	if !s.strictSlash() {
		return false
	}
	bare := strings.TrimRight(s.opts.Path, "/")
	return bare != "" && strings.HasSuffix(path, bare)
}

// Engine returns the Engine.IO server underneath, for integrations that
// serve another HTTP stack through its transport hooks.
func (s *Server) Engine() *engine.Server { return s.eng }

// ServeHTTP serves Engine.IO requests, and the client files when
// Options.ServeClient is set. The path is hardly checked, so mount the
// server where the clients expect it (Options.Path); only Path without its
// trailing slash is a 404 when Options.AddTrailingSlash is true.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.client != nil {
		if name, ok := s.client.match(r.URL.Path); ok {
			s.eng.ServeOtherHTTP(w, r, func(req engine.Request, res engine.Response) { s.client.serve(req, res, name) })
			return
		}
	}
	if s.refused(r.URL.Path) {
		http.NotFound(w, r)
		return
	}
	s.eng.ServeHTTP(w, r)
}

// ServeFastHTTP serves Engine.IO requests natively on fasthttp, and the
// client files when Options.ServeClient is set. ctx (may be nil) becomes
// the handshake's context: put framework values in it with WithValues.
func (s *Server) ServeFastHTTP(ctx context.Context, rc *fasthttp.RequestCtx) {
	if s.client != nil {
		if name, ok := s.client.match(string(rc.Path())); ok {
			s.eng.ServeOtherFastHTTP(rc, func(req engine.Request, res engine.Response) { s.client.serve(req, res, name) })
			return
		}
	}
	if s.refused(string(rc.Path())) {
		rc.Error("404 page not found", http.StatusNotFound)
		return
	}
	s.eng.ServeFastHTTP(ctx, rc)
}

// Of returns the namespace with the given name, creating it. Names start
// with "/"; "" means "/".
func (s *Server) Of(name string) *Namespace {
	if name == "" {
		name = "/"
	} else if name[0] != '/' {
		name = "/" + name
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n, ok := s.nsps[name]; ok {
		return n
	}
	n := newNamespace(s, name)
	s.nsps[name] = n
	return n
}

// OfFunc returns a new parent of dynamic namespaces: a client connecting to
// a name that no static namespace has, and for which match returns true,
// gets a namespace of that name created on the fly, with the parent's
// middlewares and connection handlers. Broadcasts on the parent reach every
// child. Parents are tried in the order they were made; match may be called
// concurrently.
func (s *Server) OfFunc(match func(name string, hs *Handshake) bool) *ParentNamespace {
	p := &ParentNamespace{srv: s, match: match}
	s.mu.Lock()
	s.parents = append(s.parents, p)
	s.mu.Unlock()
	return p
}

// OfRegexp is OfFunc with a regular expression on the name.
func (s *Server) OfRegexp(re *regexp.Regexp) *ParentNamespace {
	return s.OfFunc(func(name string, _ *Handshake) bool { return re.MatchString(name) })
}

// namespaceFor finds the namespace a client asks to connect to.
func (s *Server) namespaceFor(name string, hs *Handshake) *Namespace {
	s.mu.RLock()
	n, ok := s.nsps[name]
	parents := s.parents
	s.mu.RUnlock()
	if ok {
		return n
	}
	for _, p := range parents {
		if p.match(name, hs) {
			c := p.child(name)
			s.mu.Lock()
			if prev, ok := s.nsps[name]; ok {
				c = prev
			} else {
				s.nsps[name] = c
			}
			s.mu.Unlock()
			return c
		}
	}
	return nil
}

// Use adds connect middlewares to the main namespace.
func (s *Server) Use(mws ...ConnectMiddleware) { s.main.Use(mws...) }

// UseEvents adds event middlewares to every socket of the main namespace,
// recovered ones included.
func (s *Server) UseEvents(mws ...EventMiddleware) { s.main.UseEvents(mws...) }

// OnConnection registers a connection handler on the main namespace.
func (s *Server) OnConnection(fn func(*Socket)) { s.main.OnConnection(fn) }

// To selects sockets of the main namespace by room.
func (s *Server) To(rooms ...string) BroadcastOperator { return s.main.To(rooms...) }

// In is the same as To.
func (s *Server) In(rooms ...string) BroadcastOperator { return s.main.To(rooms...) }

// Except leaves out sockets of the main namespace by room.
func (s *Server) Except(rooms ...string) BroadcastOperator { return s.main.Except(rooms...) }

// Local restricts the next operation on the main namespace to this server.
func (s *Server) Local() BroadcastOperator { return s.main.Local() }

// Volatile marks the next broadcast on the main namespace as droppable.
func (s *Server) Volatile() BroadcastOperator { return s.main.Volatile() }

// Timeout bounds the wait for acknowledgements of the next broadcast on the
// main namespace.
func (s *Server) Timeout(d time.Duration) BroadcastOperator { return s.main.Timeout(d) }

// EmitWithAck broadcasts an event on the main namespace and collects the
// acknowledgements; see [BroadcastOperator.EmitWithAck].
func (s *Server) EmitWithAck(ctx context.Context, event string, args ...any) ([]*Args, error) {
	return s.main.EmitWithAck(ctx, event, args...)
}

// Emit broadcasts an event to every socket of the main namespace.
func (s *Server) Emit(event string, args ...any) error { return s.main.Emit(event, args...) }

// EmitContext broadcasts an event to every socket of the main namespace,
// with a context for the server's hooks; see [BroadcastOperator.EmitContext].
func (s *Server) EmitContext(ctx context.Context, event string, args ...any) error {
	return s.main.EmitContext(ctx, event, args...)
}

// FetchSockets returns handles on the main namespace's sockets.
func (s *Server) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return s.main.FetchSockets(ctx)
}

// SocketsJoin makes every socket of the main namespace join the rooms.
func (s *Server) SocketsJoin(rooms ...string) error { return s.main.SocketsJoin(rooms...) }

// SocketsLeave makes every socket of the main namespace leave the rooms.
func (s *Server) SocketsLeave(rooms ...string) error { return s.main.SocketsLeave(rooms...) }

// DisconnectSockets disconnects every socket of the main namespace.
func (s *Server) DisconnectSockets(close bool) error { return s.main.DisconnectSockets(close) }

// ServerSideEmit sends an event to the other servers of a cluster.
func (s *Server) ServerSideEmit(event string, args ...any) error {
	return s.main.ServerSideEmit(event, args...)
}

// Close shuts the server down: it stops accepting connections, disconnects
// every socket with reason "server shutting down" after flushing what was
// queued for it (bounded by ctx), waits for running handlers to return, and
// closes the adapters. It returns ctx's error when the deadline cut it short.
func (s *Server) Close(ctx context.Context) error {
	if s.closed.Swap(true) {
		return nil
	}
	err := s.eng.Close(ctx)
	done := make(chan struct{})
	go func() {
		s.workers.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		if err == nil {
			err = ctx.Err()
		}
	}
	s.mu.RLock()
	for _, n := range s.nsps {
		_ = n.adp.Close()
	}
	s.mu.RUnlock()
	return err
}

// reportError hands an error to the OnError hook, or logs it: a panic at
// error level with its stack, a payload the client got wrong (a
// *DecodeError) at debug level, as the client's other protocol errors, and
// the handlers' own errors at warning level.
func (s *Server) reportError(sock *Socket, err error) {
	if s.opts.OnError != nil {
		s.opts.OnError(sock, err)
		return
	}
	attrs := []any{"err", err}
	if sock != nil {
		attrs = append(attrs, "sid", sock.id, "nsp", sock.nsp.name)
	}
	var perr *PanicError
	var derr *DecodeError
	switch {
	case errors.As(err, &perr):
		s.opts.Logger.Error("socket.io: handler panicked", append(attrs, "stack", string(perr.Stack))...)
	case errors.As(err, &derr):
		s.opts.Logger.Debug("socket.io: event refused", attrs...)
	default:
		s.opts.Logger.Warn("socket.io: handler error", attrs...)
	}
}

// engineHandler is the Server seen by the engine: each session's events go
// to the client made for it (see client_seam.go).
type engineHandler Server

func (h *engineHandler) OnOpen(sess *engine.Session) engine.SessionHandler {
	c := newClient((*Server)(h), sess)
	(*Server)(h).observeConn(sess, "", true)
	if c.isEIO3() {
		c.connectMain()
	}
	return (*clientSession)(c)
}
