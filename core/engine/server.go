package engine

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"
)

// Message is one Engine.IO "message" packet (type 4). For a text message
// Data excludes the leading '4'. Binary messages travel as binary WebSocket
// frames or as 'b'+base64 in polling payloads. A Message is a plain value:
// share it between goroutines freely as long as nobody writes to Data.
type Message struct {
	Data   []byte
	Binary bool
}

// Handler is the layer above the engine, as the engine sees it: it is told
// of each new session and returns the SessionHandler that receives the rest
// of that session's events. That per-session value is the layer's state for
// the session, typed: the engine never stores it as an any nor asserts its
// type (see "The seam" in the package doc).
//
// OnOpen is called once per session, before any of its messages; calls for
// different sessions run concurrently. It may call Session methods (Send,
// Close, ...) without deadlock.
type Handler interface {
	// OnOpen is called once the session exists, before its first message,
	// and returns the handler of the session's messages and close. Packets
	// sent from OnOpen follow the open packet. A nil SessionHandler leaves
	// the session's messages and close unobserved.
	OnOpen(s *Session) SessionHandler
}

// SessionHandler receives one session's events, from the engine only. Its
// calls are sequential: OnMessage calls in arrival order (never concurrent,
// even with concurrent POSTs), then OnClose exactly once, last, after the
// OnOpen that returned it. Calls for different sessions run concurrently.
// Its methods may call Session methods without deadlock.
//
// A slow OnMessage holds back the reading of that session's next packets,
// which is the intended backpressure; long work belongs in another goroutine.
type SessionHandler interface {
	// OnMessage is called for each message from the client. m.Data is owned
	// by the handler: the engine never reuses it.
	OnMessage(m Message)
	// OnClose is called once when the session ends, with one of the Reason
	// constants and, where there is one, the underlying error.
	OnClose(reason string, err error)
}

// OpenRequest is an immutable snapshot of the HTTP request that opened a
// session (the Engine.IO handshake; core.Handshake is the Socket.IO one).
// It is copied from the request, so it stays valid after the request
// returned, and it may be read from any goroutine.
type OpenRequest struct {
	Header http.Header // the request's headers, Host included
	Query  url.Values
	// RemoteAddr is the client's address as the HTTP stack gives it,
	// "host:port" ("[::1]:56700" for IPv6).
	RemoteAddr string
	Secure     bool
	URL        string // request URI as received (path?query)
	Time       time.Time
	// Context is context.WithoutCancel of the request's context: it carries
	// the values integrations put there, but is never canceled.
	Context context.Context
}

// Handshake is the old name of OpenRequest.
//
// Deprecated: use OpenRequest.
type Handshake = OpenRequest

// Request is one HTTP request as the engine sees it; Server.ServeHTTP and
// Server.ServeFastHTTP implement it for net/http and fasthttp, and other
// stacks may implement it to call Server.Serve. The engine calls its methods
// only from the goroutine running Serve (Context().Done() may be waited on).
type Request interface {
	Method() string
	URL() string // path?query as received
	Query(name string) string
	QueryValues() url.Values
	Header(name string) string
	Headers() http.Header // a copy, Host included
	RemoteAddr() string   // "host:port", as net/http's Request.RemoteAddr
	Secure() bool
	// Context's Done closes when the client goes away, where the stack can
	// tell (net/http); never for fasthttp.
	Context() context.Context
	// ReadBody reads the whole body; past limit bytes it returns an error
	// wrapping ErrPayloadTooLarge.
	ReadBody(limit int64) ([]byte, error)
	IsWebSocketUpgrade() bool
}

// Response is the HTTP response of a Request, used from the goroutine running
// Serve only. An implementation may also have a
// SetWriteDeadline(time.Time) error method; the engine then bounds polling
// writes with Options.WriteTimeout.
type Response interface {
	Header() http.Header
	WriteHeader(status int)
	Write(p []byte) (int, error)
}

// Upgrader turns a Request into a WebSocket connection. The engine calls
// Upgrade at most once, from the goroutine running Serve.
type Upgrader interface {
	// Upgrade answers 101 (adding h) and arranges for run to be called with
	// the connection, either synchronously or after the handler returned:
	// the engine supports both. The engine takes over the connection's
	// net.Conn (c.UnderlyingConn()) and frames messages itself; c is not
	// used after run. run returns once the connection is closed, unless the
	// Upgrader lets the connection outlive run (the net/http binding does:
	// then run returns at once and the request's goroutine ends). On failure
	// Upgrade has answered the client with an HTTP error and returns an
	// error.
	Upgrade(h http.Header, run func(c *websocket.Conn)) error
}

// connKeeper is implemented by the Upgraders whose connection stays open
// after run returns (a net/http hijacked connection does; fasthttp closes a
// hijacked connection when its handler returns, unless told otherwise, so
// its run waits, on the hijack's goroutine). With them an idle WebSocket
// costs no goroutine (parked in the poller, see readLoop) and no read
// buffer: ~2.8 KiB in BenchmarkIdleWebSocket, against 8.5 KiB and a
// goroutine with a 4 KiB stack when fasthttp/websocket read the frames.
type connKeeper interface {
	keepsConn() bool
}

type deadlineSetter interface {
	SetWriteDeadline(t time.Time) error
}

// lateWriteErrors is implemented by Responses whose body is written after
// the handler returned (fasthttp's): a failure there reaches the session
// through the registered function rather than Write's error.
type lateWriteErrors interface {
	onWriteError(f func(error))
}

// Server is an Engine.IO v4 server. Mount it on a path with ServeHTTP
// (net/http) or ServeFastHTTP (fasthttp); it does not check the path. All
// methods are safe for concurrent use.
type Server struct {
	h    Handler
	opts Options
	log  *slog.Logger

	httpUp websocket.Upgrader
	fastUp websocket.FastHTTPUpgrader

	limiter *limiter // nil without Options.HandshakesPerIP
	poller  idlePoller
	flush   flushers

	upgrades, dropped, refused atomic.Uint64 // for Stats

	mu       sync.Mutex
	sessions map[string]*Session
	closing  bool
	tasks    int           // running Serve calls and engine goroutines
	changed  chan struct{} // poked (cap 1) when tasks or sessions drop to zero
}

// NewServer returns a Server calling h. It panics on programmer errors: a nil
// handler, an unknown transport, or CORS credentials with origin "*".
func NewServer(h Handler, opts Options) *Server {
	if h == nil {
		panic("engine: nil Handler")
	}
	o := opts.withDefaults()
	pool := &sync.Pool{}
	s := &Server{
		h:        h,
		opts:     o,
		log:      o.Logger,
		sessions: make(map[string]*Session),
		changed:  make(chan struct{}, 1),
	}
	s.httpUp = websocket.Upgrader{
		CheckOrigin:     func(*http.Request) bool { return true }, // checked in Serve
		ReadBufferSize:  wsReadBufferSize,
		WriteBufferPool: pool,
	}
	s.fastUp = newFastUpgrader(pool)
	s.flush.init(s)
	if o.HandshakesPerIP.enabled() {
		s.limiter = newLimiter(o.HandshakesPerIP)
	}
	return s
}

// Options returns the options in use, with defaults applied.
func (s *Server) Options() Options { return s.opts }

// Count returns the number of open sessions.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Serve handles one Engine.IO request. It is the transport hook that
// ServeHTTP and ServeFastHTTP go through; up may be nil when the stack
// cannot upgrade to WebSocket.
func (s *Server) Serve(req Request, res Response, up Upgrader) {
	if c := s.opts.CORS; c != nil {
		if req.Method() == http.MethodOptions {
			c.preflight(req, res)
			return
		}
		c.apply(req, res.Header())
	}
	s.enter()
	defer s.leave()

	transport := req.Query("transport")
	if !s.opts.allows(transport) {
		writeError(res, errUnknownTransport)
		return
	}
	eio3, ok := s.requestProtocol(req)
	if !ok {
		writeError(res, errUnsupportedVersion)
		return
	}
	isWS := transport == TransportWebSocket
	if isWS && (!req.IsWebSocketUpgrade() || up == nil) {
		writeError(res, errBadRequest)
		return
	}
	sid := req.Query("sid")
	if sid == "" {
		if s.isClosing() {
			writeError(res, errShuttingDown)
			return
		}
		if req.Method() != http.MethodGet {
			writeError(res, errBadHandshakeMethod)
			return
		}
		if e := s.admit(req, res); e != nil {
			s.log.Debug("handshake refused", "remote_addr", req.RemoteAddr(), "err", e)
			writeError(res, e)
			return
		}
		if s.opts.AllowRequest != nil {
			if err := s.opts.AllowRequest(req); err != nil {
				s.log.Debug("handshake rejected", "remote_addr", req.RemoteAddr(), "err", err)
				writeError(res, asError(err))
				return
			}
		}
		if isWS {
			s.handshakeWebSocket(req, res, up, eio3)
		} else {
			s.handshakePolling(req, res, eio3)
		}
		return
	}
	sess := s.lookup(sid)
	if sess == nil {
		writeError(res, errUnknownSID)
		return
	}
	if isWS {
		if s.opts.DisableUpgrades {
			writeError(res, errBadRequest)
			return
		}
		sess.serveUpgrade(req, res, up)
		return
	}
	if sess.Transport() != TransportPolling {
		writeError(res, errBadRequest)
		return
	}
	switch req.Method() {
	case http.MethodGet:
		sess.servePoll(req, res)
	case http.MethodPost:
		sess.servePost(req, res)
	default:
		writeError(res, errBadRequest)
	}
}

// Close stops accepting handshakes (they get a 503 error), closes every
// session with ReasonServerShutdown after flushing its queued packets (polling
// clients may still GET them), and
// waits for the engine's goroutines to end. If ctx ends first, the remaining
// sessions are closed at once, Close waits at most one more second for their
// goroutines and returns ctx.Err(). Close may be called more than once.
func (s *Server) Close(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	s.mu.Lock()
	s.closing = true
	list := s.snapshotLocked()
	s.mu.Unlock()
	s.log.Info("server closing", "sessions", len(list))
	for _, sess := range list {
		sess.closeGraceful(ReasonServerShutdown)
	}
	err := s.wait(ctx)
	if err == nil {
		s.poller.stop() // no reader is left to park
		return nil
	}
	s.mu.Lock()
	list = s.snapshotLocked()
	s.mu.Unlock()
	for _, sess := range list {
		sess.closeNow(ReasonServerShutdown, nil)
	}
	grace, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if s.wait(grace) == nil {
		s.poller.stop()
	}
	return err
}

func (s *Server) snapshotLocked() []*Session {
	list := make([]*Session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		list = append(list, sess)
	}
	return list
}

// wait returns when no session and no task is left, or with ctx.Err().
func (s *Server) wait(ctx context.Context) error {
	for {
		s.mu.Lock()
		idle := s.tasks == 0 && len(s.sessions) == 0
		s.mu.Unlock()
		if idle {
			return nil
		}
		select {
		case <-s.changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *Server) pokeLocked() {
	if s.tasks == 0 || len(s.sessions) == 0 {
		select {
		case s.changed <- struct{}{}:
		default:
		}
	}
}

// enter counts a running request or connection.
func (s *Server) enter() {
	s.mu.Lock()
	s.tasks++
	s.mu.Unlock()
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// spawn counts an engine goroutine; allowed while closing.
func (s *Server) spawn(f func()) {
	s.mu.Lock()
	s.tasks++
	s.mu.Unlock()
	go func() {
		defer s.leave()
		f()
	}()
}

func (s *Server) leave() {
	s.mu.Lock()
	s.tasks--
	s.pokeLocked()
	s.mu.Unlock()
}

func (s *Server) lookup(sid string) *Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[sid]
}

// admit applies HandshakesPerIP and MaxConnections to a handshake; it
// returns the error to answer, having set Retry-After on res when rate
// limited.
func (s *Server) admit(req Request, res Response) *Error {
	if l := s.limiter; l != nil {
		if ok, retry := l.allow(s.opts.HandshakesPerIP.Key(req)); !ok {
			secs := int64((retry + time.Second - 1) / time.Second)
			res.Header().Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
			return errRateLimited
		}
	}
	if m := s.opts.MaxConnections; m > 0 && s.Count() >= m {
		return errAtCapacity
	}
	return nil
}

// register adds sess to the open sessions, or returns why it cannot.
func (s *Server) register(sess *Session) *Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return errShuttingDown
	}
	if m := s.opts.MaxConnections; m > 0 && len(s.sessions) >= m {
		return errAtCapacity
	}
	s.sessions[sess.id] = sess
	return nil
}

func (s *Server) remove(sess *Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions[sess.id] == sess {
		delete(s.sessions, sess.id)
		s.pokeLocked()
	}
}

// newSID returns 15 random bytes as 20 base64url characters.
func newSID() (string, error) {
	var b [15]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func newOpenRequest(req Request) *OpenRequest {
	return &OpenRequest{
		Header:     req.Headers(),
		Query:      req.QueryValues(),
		RemoteAddr: req.RemoteAddr(),
		Secure:     req.Secure(),
		URL:        req.URL(),
		Time:       time.Now(),
		Context:    context.WithoutCancel(req.Context()),
	}
}

// openPacket returns the open packet's data for a session.
func (s *Server) openPacket(sid string, upgrades []string) []byte {
	b, _ := json.Marshal(struct {
		SID          string   `json:"sid"`
		Upgrades     []string `json:"upgrades"`
		PingInterval int64    `json:"pingInterval"`
		PingTimeout  int64    `json:"pingTimeout"`
		MaxPayload   int64    `json:"maxPayload"`
	}{sid, upgrades, s.opts.PingInterval.Milliseconds(), s.opts.PingTimeout.Milliseconds(), s.opts.MaxHTTPBufferSize})
	return b
}

// handshakeHeaders adds InitialHeaders and the cookie to h.
func (s *Server) handshakeHeaders(req Request, sid string, h http.Header) {
	if s.opts.InitialHeaders != nil {
		s.opts.InitialHeaders(req, h)
	}
	if c := s.opts.Cookie; c != nil {
		ck := &http.Cookie{Name: c.Name, Value: sid, Path: c.Path, HttpOnly: c.HTTPOnly, SameSite: c.SameSite, Secure: c.Secure}
		h.Add("Set-Cookie", ck.String())
	}
}

func (s *Server) handshakePolling(req Request, res Response, eio3 bool) {
	sid, err := newSID()
	if err != nil {
		writeError(res, errBadRequest)
		return
	}
	sess := newSession(s, sid, newOpenRequest(req), TransportPolling)
	sess.eio3, sess.b64 = eio3, eio3 && wantsBase64(req)
	if e := s.register(sess); e != nil {
		writeError(res, e)
		return
	}
	s.handshakeHeaders(req, sid, res.Header())
	sess.start(s.opts.upgrades())
	sess.servePoll(req, res) // the open packet is queued: answered at once
}

func (s *Server) handshakeWebSocket(req Request, res Response, up Upgrader, eio3 bool) {
	if !s.checkOrigin(req) {
		writeError(res, errForbidden)
		return
	}
	sid, err := newSID()
	if err != nil {
		writeError(res, errBadRequest)
		return
	}
	hs := newOpenRequest(req)
	b64 := eio3 && wantsBase64(req)
	h := http.Header{}
	s.handshakeHeaders(req, sid, h)
	err = up.Upgrade(h, func(c *websocket.Conn) {
		s.enter() // the reader's task
		w := newWSConn(c, s, up)
		w.eio3, w.b64 = eio3, b64
		sess := newSession(s, sid, hs, TransportWebSocket)
		sess.eio3 = eio3
		sess.ws = w
		if e := s.register(sess); e != nil {
			s.log.Debug("websocket session refused", "remote_addr", hs.RemoteAddr, "err", e)
			sess.endReading(w, nil)
			return
		}
		sess.start([]string{})
		sess.serveWS(w, false)
	})
	if err != nil {
		s.log.Debug("websocket upgrade failed", "remote_addr", req.RemoteAddr(), "err", err)
	}
}
