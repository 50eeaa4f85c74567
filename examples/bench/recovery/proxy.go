package main

import (
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// backends are the servers the proxies route new connections to, in turn;
// a dead one is left out.
type backends struct {
	mu    sync.Mutex
	addrs []string
	dead  map[string]bool
	next  int
}

func (b *backends) pick() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	for range b.addrs {
		a := b.addrs[b.next%len(b.addrs)]
		b.next++
		if !b.dead[a] {
			return a
		}
	}
	return ""
}

func (b *backends) kill(addr string) {
	b.mu.Lock()
	b.dead[addr] = true
	b.mu.Unlock()
}

// proxy is one client's way to the servers: a listener whose connections
// are piped to a backend, and which can be cut.
type proxy struct {
	ln  net.Listener
	b   *backends
	mu  sync.Mutex
	cut time.Time // refuse connections until then
	cs  []net.Conn
	wg  sync.WaitGroup
}

func newProxy(b *backends) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{ln: ln, b: b}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

func (p *proxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		refused := time.Now().Before(p.cut)
		p.mu.Unlock()
		addr := p.b.pick()
		if refused || addr == "" {
			_ = c.Close()
			continue
		}
		s, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.cs = append(p.cs, c, s)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(c, s)
		go p.pipe(s, c)
	}
}

func (p *proxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
}

// cutFor closes the client's connections (both sides: the server sees the
// loss at once) and refuses new ones for d.
func (p *proxy) cutFor(d time.Duration) {
	p.mu.Lock()
	p.cut = time.Now().Add(d)
	cs := p.cs
	p.cs = nil
	p.mu.Unlock()
	for _, c := range cs {
		_ = c.Close()
	}
}

// cutter cuts the proxy at random, every `every` on average, until stop.
func (p *proxy) cutter(every, d time.Duration, stop <-chan struct{}, done *sync.WaitGroup) {
	defer done.Done()
	for {
		wait := time.Duration(rand.Int64N(int64(2 * every)))
		select {
		case <-time.After(wait):
			p.cutFor(d)
		case <-stop:
			return
		}
	}
}

func (p *proxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	cs := p.cs
	p.cs = nil
	p.mu.Unlock()
	for _, c := range cs {
		_ = c.Close()
	}
	p.wg.Wait()
}
