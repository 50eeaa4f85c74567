package middleware

import (
	"container/list"
	"errors"
	"math"
	"sync"
	"time"

	"github.com/gosio/gosio/core"
)

// ErrRateLimited is the error a client gets in its acknowledgement, as
// {"error": "rate limit exceeded"}, for an event [RateLimit] or
// [LimitEvents] dropped.
var ErrRateLimited = errors.New("rate limit exceeded")

// Limit is a token bucket: Rate events a second on average, with bursts of
// up to Burst events. A zero Rate means no limit. A plain value.
type Limit struct {
	// Rate is the number of events allowed per second, on average.
	Rate float64
	// Burst is the number of events allowed at once. Default: Rate rounded
	// up, at least 1.
	Burst int
}

func (l Limit) withDefaults() Limit {
	if l.Rate > 0 && l.Burst <= 0 {
		l.Burst = max(1, int(math.Ceil(l.Rate)))
	}
	return l
}

// fillTime is how long an empty bucket takes to fill up.
func (l Limit) fillTime() time.Duration {
	return time.Duration(float64(l.Burst) / l.Rate * float64(time.Second))
}

// LimitAction is what [RateLimit] and [LimitEvents] do with an event over
// the limit. A plain value.
type LimitAction int

const (
	// LimitDrop drops the event: its handler does not run, and a client
	// that asked for an acknowledgement gets {"error": "rate limit
	// exceeded"}.
	LimitDrop LimitAction = iota
	// LimitDisconnect drops the event as LimitDrop does, then disconnects
	// the socket from its namespace (reason "server namespace
	// disconnect"; the client does not reconnect by itself).
	LimitDisconnect
)

// RateLimitOptions configure [RateLimit] and [LimitEvents]. At least one
// of PerSocket and PerIP must have a Rate; the zero value of every other
// field works. The options are read once, by the call they are given to;
// the functions they hold are called concurrently, from the handlers of
// many sockets.
type RateLimitOptions struct {
	// PerSocket limits the events of each socket.
	PerSocket Limit
	// PerIP limits the events of all the sockets of one client address
	// together (all namespaces, all connections).
	PerIP Limit
	// Action is what happens to an event over a limit. Default LimitDrop.
	Action LimitAction
	// Key returns the client address of a socket for PerIP. Default: the
	// handshake's Address (the client's IP, without port). Behind a proxy,
	// read the address the proxy forwards (and that you trust) instead.
	Key func(s *core.Socket) string
	// MaxIPs bounds the addresses PerIP tracks. An address idle for long
	// enough that its bucket is full again is forgotten first, without
	// effect; past MaxIPs, the least recently seen address is forgotten
	// (it starts again with a full bucket). Default 10,000.
	MaxIPs int
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// OnLimit is called with each event over a limit, on the socket's
	// handler goroutine, before the action. Default none.
	OnLimit func(s *core.Socket, e *core.Event)
}

// RateLimit returns a connect middleware that limits the incoming events
// of every socket it admits with token buckets: one per socket
// (PerSocket) and one per client address shared by its sockets (PerIP).
// An event takes a token from each bucket; when one is empty, the event is
// dropped (or the socket disconnected, see Action) and its handler does
// not run. Acknowledgements and connects are not limited.
//
// The event middleware is added before the rest of the connect chain runs,
// so it runs before the event middlewares and handlers added after it.
// Sockets restored by connection state recovery skip connect middlewares,
// and so escape RateLimit: with recovery on, use [LimitEvents].
//
// RateLimit panics when no Rate is set or a Rate or Burst is negative.
// Per-address state is bounded by MaxIPs and needs no goroutine. The
// returned middleware is safe for concurrent use.
func RateLimit(opts RateLimitOptions) core.ConnectMiddleware {
	l := newLimiter(opts)
	return func(next core.ConnectHandler) core.ConnectHandler {
		return func(s *core.Socket) error {
			st := l.socketLimit(s)
			s.Use(func(next core.EventHandler) core.EventHandler {
				return func(s *core.Socket, e *core.Event) error {
					return l.handle(st, next, s, e)
				}
			})
			return next(s)
		}
	}
}

// LimitEvents returns an event middleware that limits the events of every
// socket as [RateLimit] does, with the same options, for a namespace's
// UseEvents: it covers the sockets that connection state recovery restores
// too, which skip connect middlewares.
//
//	io.UseEvents(middleware.LimitEvents(opts))
//
// A socket's bucket is made with its first event and kept with the socket
// (see [core.Socket.SetValue]); a restored socket starts with a full one,
// as a new socket does, while its address's bucket carries on. Each call of
// LimitEvents has buckets of its own, shared by the namespaces it is used
// on. LimitEvents panics as RateLimit does; the returned middleware is safe
// for concurrent use.
func LimitEvents(opts RateLimitOptions) core.EventMiddleware {
	l := newLimiter(opts)
	return func(next core.EventHandler) core.EventHandler {
		return func(s *core.Socket, e *core.Event) error {
			// l, of an unexported type, is the key of the socket's state.
			st, ok := core.Value[*socketLimit](s, l)
			if !ok {
				st = l.socketLimit(s)
				s.SetValue(l, st)
			}
			return l.handle(st, next, s, e)
		}
	}
}

// limiter is the state RateLimit and LimitEvents share between sockets:
// the options with their defaults and the per-address buckets. It is safe
// for concurrent use.
type limiter struct {
	perSocket Limit
	ips       *ipBuckets // nil without PerIP
	now       func() time.Time
	key       func(*core.Socket) string
	action    LimitAction
	onLimit   func(*core.Socket, *core.Event)
}

// newLimiter checks opts and fills in the defaults; it panics on bad
// options.
func newLimiter(opts RateLimitOptions) *limiter {
	if opts.PerSocket.Rate < 0 || opts.PerIP.Rate < 0 || opts.PerSocket.Burst < 0 || opts.PerIP.Burst < 0 {
		panic("middleware: negative rate limit")
	}
	if opts.PerSocket.Rate == 0 && opts.PerIP.Rate == 0 {
		panic("middleware: RateLimitOptions sets no Rate")
	}
	l := &limiter{
		perSocket: opts.PerSocket.withDefaults(),
		now:       opts.Now,
		key:       opts.Key,
		action:    opts.Action,
		onLimit:   opts.OnLimit,
	}
	if l.now == nil {
		l.now = time.Now
	}
	if l.key == nil {
		l.key = remoteHost
	}
	if opts.PerIP.Rate > 0 {
		maxIPs := opts.MaxIPs
		if maxIPs <= 0 {
			maxIPs = 10000
		}
		l.ips = newIPBuckets(opts.PerIP.withDefaults(), maxIPs)
	}
	return l
}

// socketLimit is one socket's limiting state: its own bucket and its
// address. Only the socket's handler goroutine uses it.
type socketLimit struct {
	own *bucket // nil without PerSocket
	ip  string
}

func (l *limiter) socketLimit(s *core.Socket) *socketLimit {
	st := &socketLimit{}
	if l.perSocket.Rate > 0 {
		st.own = &bucket{}
	}
	if l.ips != nil {
		st.ip = l.key(s)
	}
	return st
}

// handle hands e to next when st's buckets each hold a token (and takes
// them), or applies the limit's action.
func (l *limiter) handle(st *socketLimit, next core.EventHandler, s *core.Socket, e *core.Event) error {
	t := l.now()
	ok := true
	if st.own != nil {
		ok = st.own.ready(l.perSocket, t)
	}
	if ok && l.ips != nil {
		ok = l.ips.take(st.ip, t)
	}
	if !ok {
		if l.onLimit != nil {
			l.onLimit(s, e)
		}
		if e.HasAck() {
			_ = e.Ack(map[string]string{"error": ErrRateLimited.Error()})
		}
		if l.action == LimitDisconnect {
			s.Disconnect(false)
		}
		return nil
	}
	if st.own != nil {
		st.own.take()
	}
	return next(s, e)
}

// remoteHost is the default Key: the handshake's Address, which holds no
// port.
func remoteHost(s *core.Socket) string { return s.Handshake().Address }

// bucket is a token bucket. Its methods are not safe for concurrent use:
// a socket's bucket is used by its handler goroutine only, and the
// per-address buckets under ipBuckets' lock.
type bucket struct {
	tokens float64
	last   time.Time // zero for a full bucket never used
}

// ready refills the bucket up to t and reports whether it holds a token.
func (b *bucket) ready(l Limit, t time.Time) bool {
	if b.last.IsZero() {
		b.tokens, b.last = float64(l.Burst), t
	} else if d := t.Sub(b.last); d > 0 {
		b.tokens = math.Min(float64(l.Burst), b.tokens+d.Seconds()*l.Rate)
		b.last = t
	}
	return b.tokens >= 1
}

// take removes a token; call it after ready returned true.
func (b *bucket) take() { b.tokens-- }

// ipBuckets are the per-address buckets, least recently used last. It is
// safe for concurrent use.
type ipBuckets struct {
	limit Limit
	fill  time.Duration
	max   int

	mu  sync.Mutex
	m   map[string]*list.Element // of *ipBucket
	lru list.List
}

type ipBucket struct {
	key string
	bucket
}

func newIPBuckets(l Limit, maxIPs int) *ipBuckets {
	return &ipBuckets{limit: l, fill: l.fillTime(), max: maxIPs, m: make(map[string]*list.Element)}
}

// take takes a token from key's bucket at t, reporting whether there was
// one.
func (ib *ipBuckets) take(key string, t time.Time) bool {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	el, ok := ib.m[key]
	if ok {
		ib.lru.MoveToFront(el)
	} else {
		ib.expire(t)
		if len(ib.m) >= ib.max {
			ib.remove(ib.lru.Back())
		}
		el = ib.lru.PushFront(&ipBucket{key: key})
		ib.m[key] = el
	}
	b := el.Value.(*ipBucket)
	if !b.ready(ib.limit, t) {
		return false
	}
	b.take()
	return true
}

// expire forgets the addresses whose buckets are full again at t: a full
// bucket and no bucket behave the same.
func (ib *ipBuckets) expire(t time.Time) {
	for el := ib.lru.Back(); el != nil; el = ib.lru.Back() {
		if t.Sub(el.Value.(*ipBucket).last) < ib.fill {
			return
		}
		ib.remove(el)
	}
}

func (ib *ipBuckets) remove(el *list.Element) {
	delete(ib.m, el.Value.(*ipBucket).key)
	ib.lru.Remove(el)
}

// len returns the number of addresses tracked.
func (ib *ipBuckets) len() int {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	return len(ib.m)
}
