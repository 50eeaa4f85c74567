package sioredis_test

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sioredis "github.com/gosio/gosio/cluster/redis"
)

// freezer is a TCP proxy to Redis whose existing connections can be frozen:
// bytes stop flowing but nothing is closed, as when a network path dies
// silently. New connections flow normally. Bytes to Redis can also be
// held, then let through (hold).
type freezer struct {
	ln     net.Listener
	target string
	done   chan struct{} // closed by close

	mu     sync.Mutex
	frozen []chan struct{} // closed to freeze each connection
	conns  []net.Conn
	held   chan struct{} // while not nil, bytes to Redis wait until it is closed
	holds  chan struct{} // gets a value when bytes start waiting
	wg     sync.WaitGroup
}

func newFreezer(t *testing.T, target string) *freezer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{ln: ln, target: target, done: make(chan struct{}), holds: make(chan struct{}, 1)}
	f.wg.Add(1)
	go f.accept()
	t.Cleanup(f.close)
	return f
}

func (f *freezer) addr() string { return f.ln.Addr().String() }

func (f *freezer) accept() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", f.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		freeze := make(chan struct{})
		f.mu.Lock()
		f.frozen = append(f.frozen, freeze)
		f.conns = append(f.conns, c, up)
		f.mu.Unlock()
		f.wg.Add(2)
		go f.pipe(c, up, freeze, false)
		go f.pipe(up, c, freeze, true)
	}
}

// pipe copies src to dst; toRedis pipes wait while bytes are held.
func (f *freezer) pipe(dst, src net.Conn, freeze chan struct{}, toRedis bool) {
	defer f.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		select {
		case <-freeze:
			// Swallow everything from now on, like a dead path.
			if err != nil {
				return
			}
			continue
		default:
		}
		if toRedis {
			f.mu.Lock()
			held := f.held
			f.mu.Unlock()
			if held != nil {
				select {
				case f.holds <- struct{}{}:
				default:
				}
				select {
				case <-held:
				case <-f.done:
					return
				}
			}
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				_ = dst.Close()
			}
			return
		}
	}
}

// freezeAll freezes every connection opened so far.
func (f *freezer) freezeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.frozen {
		select {
		case <-c:
		default:
			close(c)
		}
	}
}

// hold makes the bytes sent to Redis from now on wait, on every
// connection, until release is called; they then go through in order.
func (f *freezer) hold() (release func()) {
	held := make(chan struct{})
	f.mu.Lock()
	f.held = held
	f.mu.Unlock()
	select {
	case <-f.holds:
	default:
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			f.held = nil
			f.mu.Unlock()
			close(held)
		})
	}
}

// waitHeld waits, at most d, until bytes sent since hold wait.
func (f *freezer) waitHeld(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-f.holds:
	case <-time.After(d):
		t.Fatal("nothing was sent to Redis")
	}
}

// cut closes every connection opened so far, both ways, as when Redis
// or the network drops them.
func (f *freezer) cut() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.conns {
		_ = c.Close()
	}
	f.conns = nil
}

func (f *freezer) close() {
	close(f.done)
	_ = f.ln.Close()
	f.mu.Lock()
	for _, c := range f.conns {
		_ = c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// TestSilentConnectionReplaced checks the subscription health check: a
// subscription whose connection goes silent (no RST, no EOF) is pinged,
// reported down, replaced by a new connection and resubscribed.
func TestSilentConnectionReplaced(t *testing.T) {
	r := startRedis(t)
	proxy := newFreezer(t, r.Addr)
	var downs atomic.Int32
	opts := &sioredis.Options{OnError: func(err error) {
		if errors.Is(err, sioredis.ErrRedisDown) {
			downs.Add(1)
		}
	}}
	gopts := &sioredis.GoRedisOptions{HealthCheckInterval: 100 * time.Millisecond, MinRetryBackoff: 10 * time.Millisecond}
	sender := newNode(t, r.Addr, nodeConfig{})
	receiver := newNode(t, proxy.addr(), nodeConfig{opts: opts, gopts: gopts})
	c := dial(t, receiver.URL, "/", nil)

	// Idle for several health-check intervals: pings keep it up.
	time.Sleep(400 * time.Millisecond)
	if err := sender.IO.Emit("one"); err != nil {
		t.Fatal(err)
	}
	c.Expect("one")
	if downs.Load() != 0 {
		t.Fatal("a healthy idle subscription was reported down")
	}

	proxy.freezeAll()
	waitFor(t, 5*time.Second, "the silent connection reported", func() bool { return downs.Load() > 0 })
	deadline := time.Now().Add(10 * time.Second)
	for {
		_ = sender.IO.Emit("two")
		select {
		case <-c.events:
			return
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the subscription was not replaced")
		}
	}
}
