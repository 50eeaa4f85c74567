package engine_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/internal/eiotest"
	"github.com/valyala/fasthttp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// fasthttp keeps one process-wide goroutine that refreshes its Date
	// header; it is not ours and never ends.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"))
}

// wait is the deadline for any awaited event.
const wait = 5 * time.Second

type eventKind int

const (
	evOpen eventKind = iota
	evMessage
	evClose
)

type event struct {
	kind   eventKind
	s      *engine.Session
	msg    engine.Message
	reason string
	err    error
}

// recorder is a Handler that echoes messages (unless told otherwise), records
// every event and checks the Handler contract (open first, sequential
// messages, one close last).
type recorder struct {
	events [3]chan event // by kind

	onOpen    func(*engine.Session)
	onMessage func(*engine.Session, engine.Message) // default: echo

	mu         sync.Mutex
	state      map[*engine.Session]string // "open", "closed"
	inMessage  map[*engine.Session]*atomic.Int32
	violations []string
}

func newRecorder() *recorder {
	return &recorder{
		events:    [3]chan event{make(chan event, 1000), make(chan event, 10000), make(chan event, 1000)},
		state:     map[*engine.Session]string{},
		inMessage: map[*engine.Session]*atomic.Int32{},
	}
}

func (r *recorder) violate(format string, args ...any) {
	r.mu.Lock()
	r.violations = append(r.violations, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

func (r *recorder) OnOpen(s *engine.Session) engine.SessionHandler {
	r.mu.Lock()
	if _, ok := r.state[s]; ok {
		r.violations = append(r.violations, "OnOpen twice")
	}
	r.state[s] = "open"
	r.inMessage[s] = new(atomic.Int32)
	r.mu.Unlock()
	r.events[evOpen] <- event{kind: evOpen, s: s}
	if r.onOpen != nil {
		r.onOpen(s)
	}
	return recSession{r, s}
}

// recSession is the SessionHandler a recorder returns for one session: it
// records that session's events in the recorder.
type recSession struct {
	r *recorder
	s *engine.Session
}

func (rs recSession) OnMessage(m engine.Message)       { rs.r.onMessageOf(rs.s, m) }
func (rs recSession) OnClose(reason string, err error) { rs.r.onCloseOf(rs.s, reason, err) }

func (r *recorder) onMessageOf(s *engine.Session, m engine.Message) {
	r.mu.Lock()
	st := r.state[s]
	in := r.inMessage[s]
	r.mu.Unlock()
	if st != "open" {
		r.violate("OnMessage in state %q", st)
		return
	}
	if in.Add(1) != 1 {
		r.violate("concurrent OnMessage")
	}
	defer in.Add(-1)
	r.events[evMessage] <- event{kind: evMessage, s: s, msg: m}
	if r.onMessage != nil {
		r.onMessage(s, m)
		return
	}
	_ = s.Send(m)
}

func (r *recorder) onCloseOf(s *engine.Session, reason string, err error) {
	r.mu.Lock()
	if st := r.state[s]; st != "open" {
		r.violations = append(r.violations, "OnClose in state "+st)
	}
	r.state[s] = "closed"
	r.mu.Unlock()
	r.events[evClose] <- event{kind: evClose, s: s, reason: reason, err: err}
}

// next returns the next event of kind within wait.
func (r *recorder) next(t testing.TB, kind eventKind) event {
	t.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case ev := <-r.events[kind]:
		return ev
	case <-timer.C:
		t.Fatalf("no event of kind %d within %v", kind, wait)
		return event{}
	}
}

func (r *recorder) nextOpen(t testing.TB) *engine.Session { t.Helper(); return r.next(t, evOpen).s }

func (r *recorder) nextMessage(t testing.TB) engine.Message {
	t.Helper()
	return r.next(t, evMessage).msg
}

// nextClose waits for a close event and checks its reason.
func (r *recorder) nextClose(t testing.TB, reason string) event {
	t.Helper()
	ev := r.next(t, evClose)
	if ev.reason != reason {
		t.Fatalf("close reason %q (err %v), want %q", ev.reason, ev.err, reason)
	}
	return ev
}

// none checks that no event of kind arrives within d.
func (r *recorder) none(t testing.TB, kind eventKind, d time.Duration) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case ev := <-r.events[kind]:
		t.Fatalf("unexpected event %+v", ev)
	case <-timer.C:
	}
}

func (r *recorder) check(t testing.TB) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range r.violations {
		t.Errorf("handler contract violated: %s", v)
	}
}

// env is one engine server on a loopback httptest server.
type env struct {
	srv *engine.Server
	rec *recorder
	url string
}

// newEnv starts a server; configure the recorder's hooks through setup
// before any request.
func newEnv(t testing.TB, opts engine.Options, setup ...func(*recorder)) *env {
	t.Helper()
	rec := newRecorder()
	for _, f := range setup {
		f(rec)
	}
	srv := engine.NewServer(rec, opts)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("Server.Close: %v", err)
		}
		rec.check(t)
	})
	return &env{srv: srv, rec: rec, url: hs.URL + "/engine.io/"}
}

// newFastEnv is newEnv on a real fasthttp server.
func newFastEnv(t testing.TB, opts engine.Options, setup ...func(*recorder)) *env {
	t.Helper()
	return newFastEnvKeep(t, false, opts, setup...)
}

// newFastEnvKeep is newFastEnv; with keep, the fasthttp server keeps
// hijacked connections (KeepHijackedConns) and says so to the engine.
func newFastEnvKeep(t testing.TB, keep bool, opts engine.Options, setup ...func(*recorder)) *env {
	t.Helper()
	rec := newRecorder()
	for _, f := range setup {
		f(rec)
	}
	srv := engine.NewServer(rec, opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := &fasthttp.Server{
		Handler: func(rc *fasthttp.RequestCtx) {
			if keep {
				engine.HijackKeepsConn(rc)
			}
			srv.ServeFastHTTP(nil, rc)
		},
		KeepHijackedConns: keep,
		// The worker pool's cleaner sleeps this long before it sees Stop.
		MaxIdleWorkerDuration: 10 * time.Millisecond,
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = fs.Serve(ln)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("Server.Close: %v", err)
		}
		_ = fs.ShutdownWithContext(ctx)
		<-served
		rec.check(t)
	})
	return &env{srv: srv, rec: rec, url: "http://" + ln.Addr().String() + "/engine.io/"}
}

// host is the server's "host:port", what clients send as Host.
func (e *env) host() string {
	return strings.TrimPrefix(strings.TrimSuffix(e.url, "/engine.io/"), "http://")
}

func (e *env) client(t testing.TB) *eiotest.Client {
	t.Helper()
	c := eiotest.New(e.url)
	t.Cleanup(c.Close)
	return c
}

// pollingSession opens a polling session and returns the client and the
// server's session.
func (e *env) pollingSession(t testing.TB) (*eiotest.Client, *engine.Session) {
	t.Helper()
	c := e.client(t)
	if _, err := c.HandshakePolling(); err != nil {
		t.Fatal(err)
	}
	s := e.rec.nextOpen(t)
	if s.ID() != c.SID {
		t.Fatalf("session %q, client sid %q", s.ID(), c.SID)
	}
	return c, s
}

func (e *env) wsSession(t testing.TB) (*eiotest.Client, *engine.Session) {
	t.Helper()
	c := e.client(t)
	if err := c.HandshakeWebSocket(); err != nil {
		t.Fatal(err)
	}
	s := e.rec.nextOpen(t)
	if s.ID() != c.SID {
		t.Fatalf("session %q, client sid %q", s.ID(), c.SID)
	}
	return c, s
}

// asyncPoll starts a GET and returns a channel with its response.
func asyncPoll(c *eiotest.Client) <-chan pollResult {
	ch := make(chan pollResult, 1)
	go func() {
		res, err := c.PollRaw()
		ch <- pollResult{res, err}
	}()
	return ch
}

type pollResult struct {
	res *eiotest.Response
	err error
}

func (p pollResult) body(t testing.TB) string {
	t.Helper()
	if p.err != nil {
		t.Fatal(p.err)
	}
	if p.res.Status != http.StatusOK {
		t.Fatalf("poll status %d: %s", p.res.Status, p.res.Body)
	}
	return p.res.Body
}

func recv(t testing.TB, ch <-chan pollResult) pollResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(wait):
		t.Fatal("poll did not return")
		return pollResult{}
	}
}

// eventually polls cond every millisecond until true or wait passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// wantError checks an Engine.IO error response.
func wantError(t testing.TB, res *eiotest.Response, status, code int) {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status %d, want %d (body %s)", res.Status, status, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	got, msg, err := res.ErrorBody()
	if err != nil {
		t.Fatal(err)
	}
	if got != code || msg == "" {
		t.Fatalf("code %d %q, want %d", got, msg, code)
	}
}

func deadline() time.Time { return time.Now().Add(wait) }

// newHTTPTestServer serves h on loopback until the test ends; it returns the
// base URL.
func newHTTPTestServer(t testing.TB, h http.Handler) string {
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs.URL
}

func ctxWait() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), wait)
}
