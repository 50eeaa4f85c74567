//go:build linux

package engine

import (
	"errors"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// idlePoller holds a Server's idle WebSocket connections in an epoll set, so
// that waiting for a client's next frame costs no goroutine: one poller
// goroutine waits for all of them and hands a connection that became
// readable to a new reader goroutine (Session.resume). The poller starts with
// the first parked connection and ends after a tick with none.
//
// Only *net.TCPConn connections are parked: a TLS or otherwise wrapped
// connection may hold bytes it already read, which epoll cannot see; those
// wait on a goroutine of their own (see Session.waitIdle).
//
// The epoll registration is one-shot and level-triggered: bytes that arrived
// before the registration wake the poller at once, and a connection wakes it
// once per park. Events carry a token, never reused, so an event for a
// connection taken back meanwhile is ignored.
type idlePoller struct {
	mu     sync.Mutex
	on     bool // the poller goroutine runs, with epfd, f and exited
	epfd   int
	f      *os.File              // epfd, as Go's netpoller waits for it
	exited chan struct{}         // closed when the poller goroutine ends
	next   uint64                // last token given
	parked map[uint64]parkedConn // by token
}

type parkedConn struct {
	s *Session
	w *wsConn
}

// pollerTick is how long the poller waits at most before it looks whether
// it still has connections to wait for.
const pollerTick = 100 * time.Millisecond

// park registers w, idle, with the poller, which resumes its reading when
// the client sends something (or closes). It reports false when w cannot be
// parked; the caller then waits for w otherwise.
func (p *idlePoller) park(s *Session, w *wsConn) bool {
	tc, ok := w.nc.(*net.TCPConn)
	if !ok {
		return false
	}
	rc := w.raw // the same descriptor, when the flushers write it
	if rc == nil {
		var err error
		if rc, err = tc.SyscallConn(); err != nil {
			return false
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.on && !p.startLocked() {
		return false
	}
	tok := p.next + 1
	ev := syscall.EpollEvent{
		Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT,
		Fd:     int32(uint32(tok)),
		Pad:    int32(uint32(tok >> 32)),
	}
	var cerr error
	err := rc.Control(func(fd uintptr) {
		// Re-arm a connection parked before, else add it.
		cerr = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_MOD, int(fd), &ev)
		if cerr == syscall.ENOENT {
			cerr = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, int(fd), &ev)
		}
	})
	if err != nil || cerr != nil {
		return false
	}
	p.next = tok
	p.parked[tok] = parkedConn{s, w}
	w.tok = tok
	return true
}

// take unparks w, if it is parked, and returns its session.
func (p *idlePoller) take(w *wsConn) (*Session, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pc, ok := p.parked[w.tok]
	if !ok {
		return nil, false
	}
	delete(p.parked, w.tok)
	w.tok = 0
	return pc.s, true
}

func (p *idlePoller) startLocked() bool {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return false
	}
	// Non-blocking, the epoll descriptor is itself waited for by Go's
	// netpoller: the poller goroutine parks like any network reader, no
	// thread is held in epoll_wait.
	if err := syscall.SetNonblock(epfd, true); err != nil {
		_ = syscall.Close(epfd)
		return false
	}
	f := os.NewFile(uintptr(epfd), "engine-idle-epoll")
	rc, err := f.SyscallConn()
	if err != nil {
		_ = f.Close()
		return false
	}
	if p.parked == nil {
		p.parked = make(map[uint64]parkedConn)
	}
	p.on, p.epfd, p.f, p.exited = true, epfd, f, make(chan struct{})
	go p.run(f, rc, p.exited)
	return true
}

// running reports whether the poller goroutine runs.
func (p *idlePoller) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.on
}

// stop ends the poller goroutine, if it runs with nothing parked, and waits
// for it (Server.Close, once no reader is left).
func (p *idlePoller) stop() {
	p.mu.Lock()
	if !p.on || len(p.parked) > 0 {
		p.mu.Unlock()
		return
	}
	f, exited := p.f, p.exited
	p.mu.Unlock()
	_ = f.SetReadDeadline(time.Unix(1, 0)) // it wakes, finds nothing parked and ends (at the latest after a tick)
	<-exited
}

// run is the poller goroutine. It ends, closing the epoll descriptor, after
// a tick with no connection parked.
func (p *idlePoller) run(f *os.File, rc syscall.RawConn, exited chan struct{}) {
	defer close(exited)
	events := make([]syscall.EpollEvent, 128)
	var (
		n     int
		werr  error
		ready []parkedConn
	)
	wait := func(fd uintptr) bool {
		n, werr = syscall.EpollWait(int(fd), events, 0)
		return n > 0 || (werr != nil && werr != syscall.EINTR)
	}
	for {
		n, werr = 0, nil
		_ = f.SetReadDeadline(time.Now().Add(pollerTick))
		if err := rc.Read(wait); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			werr = err
		}
		p.mu.Lock()
		if werr != nil {
			// Unexpected: give every connection back to a reader goroutine.
			for tok, pc := range p.parked {
				delete(p.parked, tok)
				pc.w.tok = 0
				ready = append(ready, pc)
			}
		}
		for _, ev := range events[:max(n, 0)] {
			tok := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
			if pc, ok := p.parked[tok]; ok {
				delete(p.parked, tok)
				pc.w.tok = 0
				ready = append(ready, pc)
			}
		}
		exit := werr != nil || (n == 0 && len(p.parked) == 0)
		if exit {
			_ = f.Close()
			p.on, p.f, p.exited = false, nil, nil
		}
		p.mu.Unlock()
		for i, pc := range ready {
			go pc.s.resume(pc.w)
			ready[i] = parkedConn{}
		}
		ready = ready[:0]
		if exit {
			return
		}
	}
}
