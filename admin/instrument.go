package admin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/core"
)

// Modes of [Options.Mode].
const (
	// Development sends the UI every socket and every event as it happens
	// (the "ALL_EVENTS" feature), at a cost on each event.
	Development = "development"
	// Production sends the UI the server statistics only.
	Production = "production"
)

// Options configures [Instrument].
// A plain value: fill it in before passing it on; it is not to be changed afterwards.
type Options struct {
	// Auth is mandatory, as in Node: NoAuth() or BasicAuth(user, hash).
	Auth *Auth
	// Namespace is the namespace the UI connects to. Default "/admin".
	Namespace string
	// ReadOnly hides the UI's commands (emit, join, leave, disconnect):
	// the server announces none and ignores them.
	ReadOnly bool
	// ServerID names this server in the UI. Default: the host name.
	ServerID string
	// Store remembers the UI's sessions (BasicAuth). Default: a
	// MemoryStore; a RedisStore shares them across a cluster.
	Store Store
	// Mode is Development or Production. Default: $NODE_ENV when it is
	// set (as Node), else Development.
	Mode string
	// StatsInterval is how often server_stats goes out. Default 2 s (the
	// UI's charts expect that).
	StatsInterval time.Duration
}

// Admin is a server instrumented for the Admin UI. Its methods are safe for
// concurrent use.
type Admin struct {
	srv      *core.Server
	nsp      *core.Namespace
	opts     Options
	dev      bool
	features []string
	hostname string
	start    time.Time

	remove  func() // the observer's
	counts  counters
	live    atomic.Bool // dev mode and a UI may be listening
	jobs    chan func()
	dropped atomic.Uint64
	stop    chan struct{}
	halt    context.Context // done once Close began
	cancel  context.CancelFunc
	mu      sync.Mutex // guards closed and the wg.Add of fetches
	closed  bool
	wg      sync.WaitGroup
	once    sync.Once
}

// Instrument adds the Admin UI's namespace to srv and starts sending it the
// server's statistics (and, in development mode, its sockets and events).
// It fails when Auth is missing or its hash invalid. Call Close to stop.
func Instrument(srv *core.Server, opts Options) (*Admin, error) {
	if opts.Auth == nil {
		return nil, errors.New("admin: the Auth option must be set (BasicAuth) or explicitly disabled (NoAuth)")
	}
	if err := opts.Auth.validate(); err != nil {
		return nil, err
	}
	if opts.Namespace == "" {
		opts.Namespace = "/admin"
	}
	if opts.Store == nil {
		opts.Store = NewMemoryStore()
	}
	if opts.Mode == "" {
		opts.Mode = os.Getenv("NODE_ENV")
		if opts.Mode == "" {
			opts.Mode = Development
		}
	}
	if opts.StatsInterval <= 0 {
		opts.StatsInterval = 2 * time.Second
	}
	host, _ := os.Hostname()
	if opts.ServerID == "" {
		opts.ServerID = host
	}
	a := &Admin{
		srv:      srv,
		nsp:      srv.Of(opts.Namespace),
		opts:     opts,
		dev:      opts.Mode == Development,
		hostname: host,
		start:    time.Now(),
		jobs:     make(chan func(), 4096),
		stop:     make(chan struct{}),
	}
	a.halt, a.cancel = context.WithCancel(context.Background())
	if !opts.ReadOnly {
		a.features = []string{"EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT"}
	}
	a.features = append(a.features, "AGGREGATED_EVENTS")
	if a.dev {
		a.features = append(a.features, "ALL_EVENTS")
	}
	a.nsp.Use(opts.Auth.middleware(opts.Store))
	a.nsp.OnConnection(a.onAdminConnection)
	a.remove = srv.Observe(a.observer())
	a.wg.Add(2)
	go a.runJobs()
	go a.runStats()
	return a, nil
}

// Namespace returns the admin namespace.
func (a *Admin) Namespace() *core.Namespace { return a.nsp }

// Close stops the statistics and the live events and forgets the observer;
// the namespace stays (a server cannot drop one). It is idempotent.
func (a *Admin) Close() error {
	a.once.Do(func() {
		a.remove()
		a.mu.Lock()
		a.closed = true
		a.mu.Unlock()
		a.cancel()
		close(a.stop)
		a.wg.Wait()
	})
	return nil
}

// onAdminConnection greets a UI: its new session id (after a password
// login), the features, then in development mode every socket of the
// cluster.
func (a *Admin) onAdminConnection(s *core.Socket) {
	if id, ok := core.Value[string](s, sessionKey{}); ok {
		_ = s.Emit("session", id)
	}
	if !a.opts.ReadOnly {
		a.registerCommands(s)
	}
	_ = s.Emit("config", map[string]any{"supportedFeatures": a.features})
	if a.dev {
		a.live.Store(true)
		// Fetching crosses the cluster: off the socket's handler, and
		// given up when Close begins.
		a.mu.Lock()
		if a.closed {
			a.mu.Unlock()
			return
		}
		a.wg.Add(1)
		a.mu.Unlock()
		go func() {
			defer a.wg.Done()
			ctx, cancel := context.WithTimeout(s.Context(), 10*time.Second)
			defer cancel()
			defer context.AfterFunc(a.halt, cancel)()
			socks, err := a.allSockets(ctx)
			if err != nil {
				a.srv.Options().Logger.Warn("admin: fetching the sockets", "err", err)
			}
			_ = s.Emit("all_sockets", socks)
		}()
	}
}

// allSockets describes every socket of every namespace, cluster-wide.
func (a *Admin) allSockets(ctx context.Context) ([]serializedSocket, error) {
	out := []serializedSocket{}
	var errs []error
	for _, n := range a.srv.Namespaces() {
		socks, err := n.FetchSockets(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n.Name(), err))
		}
		for _, r := range socks {
			out = append(out, serializeRemote(n.Name(), r))
		}
	}
	return out, errors.Join(errs...)
}

// queue hands f to the worker that broadcasts to the UI, so that observers
// never emit themselves; when the worker lags far behind, f is dropped.
func (a *Admin) queue(f func()) {
	select {
	case a.jobs <- f:
	default:
		a.dropped.Add(1)
	}
}

func (a *Admin) runJobs() {
	defer a.wg.Done()
	for {
		select {
		case f := <-a.jobs:
			f()
		case <-a.stop:
			return
		}
	}
}

// now is a date as JavaScript's JSON.stringify(new Date()) writes it.
func now() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") }
