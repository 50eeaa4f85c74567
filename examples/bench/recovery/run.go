package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/client"
)

// result is one scenario's record.
type result struct {
	name                 string
	clients, messages    int
	delivered, dups      int // (client, message) pairs delivered; extra copies
	perfect              int // clients with every message once, in order
	recovered, refreshed int // reconnections that recovered the session, or not
}

func (r result) row() string {
	total := r.clients * r.messages
	return fmt.Sprintf("| %-56s | %8.2f%% | %6d of %4d | %5d | %9d | %4d of %3d |",
		r.name, 100*float64(r.delivered)/float64(max(total, 1)), r.perfect, r.clients,
		total-r.delivered, r.dups, r.recovered, r.recovered+r.refreshed)
}

// benchClient is one client's record of the numbers it got.
type benchClient struct {
	s         *client.Socket
	mu        sync.Mutex
	got       []int
	connects  int
	recovered int
}

func run(ctx context.Context, scenario string, c config) (result, error) {
	var servers []*server
	var kill bool // kill the first server mid-run
	res := result{clients: c.clients}
	switch scenario {
	case "memory":
		res.name = "gosio, 1 server, in-memory recovery"
		s, err := startMemory()
		if err != nil {
			return res, err
		}
		servers = append(servers, s)
	case "streams", "node":
		addr, stop, err := startRedis()
		if err != nil {
			return res, err
		}
		defer stop()
		kill = true
		for range 3 {
			var s *server
			if scenario == "streams" {
				res.name = "gosio, 3 servers, Streams adapter, 1 killed"
				s, err = startGosioChild(addr)
			} else {
				res.name = "Node socket.io 4.8, 3 servers, Streams adapter, 1 killed"
				s, err = startNodeServer(addr, c.nodeMods)
			}
			if err != nil {
				return res, err
			}
			servers = append(servers, s)
		}
	default:
		return res, fmt.Errorf("unknown scenario %q", scenario)
	}
	alive := make([]bool, len(servers))
	b := &backends{dead: map[string]bool{}}
	for i, s := range servers {
		b.addrs = append(b.addrs, s.addr)
		alive[i] = true
	}
	defer func() {
		for i, s := range servers {
			if alive[i] {
				s.kill()
			}
		}
	}()

	// Clients, each behind its own proxy.
	var clients []*benchClient
	var proxies []*proxy
	defer func() {
		for _, cl := range clients {
			_ = cl.s.Close()
		}
		for _, p := range proxies {
			p.close()
		}
	}()
	for range c.clients {
		p, err := newProxy(b)
		if err != nil {
			return res, err
		}
		proxies = append(proxies, p)
		cl := &benchClient{}
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		s, err := client.Dial(dctx, p.URL(), &client.Options{
			Transports:           []string{client.TransportWebSocket},
			ReconnectionDelay:    100 * time.Millisecond,
			ReconnectionDelayMax: 500 * time.Millisecond,
		})
		cancel()
		if err != nil {
			return res, err
		}
		cl.s = s
		s.OnConnect(func(s *client.Socket) {
			cl.mu.Lock()
			cl.connects++
			if s.Recovered() {
				cl.recovered++
			}
			cl.mu.Unlock()
		})
		s.On("m", client.Handle(func(_ *client.Socket, n int) error {
			cl.mu.Lock()
			cl.got = append(cl.got, n)
			cl.mu.Unlock()
			return nil
		}))
		clients = append(clients, cl)
	}

	// A client that never got an event has no offset to recover from
	// (Socket.IO's protocol): the cuts start once every client got the
	// first broadcast.
	stop := make(chan struct{})
	var cutters sync.WaitGroup
	startCuts := sync.OnceFunc(func() {
		for _, p := range proxies {
			cutters.Add(1)
			go p.cutter(c.every, c.cut, stop, &cutters)
		}
	})
	allGotOne := func() bool {
		for _, cl := range clients {
			cl.mu.Lock()
			n := len(cl.got)
			cl.mu.Unlock()
			if n == 0 {
				return false
			}
		}
		return true
	}

	// The broadcasts, numbered, each to a live server in turn.
	res.messages = int(c.duration.Seconds() * float64(c.rate))
	hc := &http.Client{Timeout: 5 * time.Second}
	tick := time.NewTicker(time.Second / time.Duration(c.rate))
	var next atomic.Int64
	for n := 1; n <= res.messages; n++ {
		<-tick.C
		if n > 1 && allGotOne() {
			startCuts()
		}
		if kill && n == res.messages/2 {
			b.kill(servers[0].addr)
			servers[0].kill()
			alive[0] = false
		}
		sent := false
		for try := 0; try < len(servers) && !sent; try++ {
			i := int(next.Add(1)) % len(servers)
			if !alive[i] {
				continue
			}
			resp, err := hc.Get("http://" + servers[i].addr + "/broadcast?n=" + strconv.Itoa(n))
			if err == nil {
				sent = resp.StatusCode == http.StatusOK
				_ = resp.Body.Close()
			}
		}
		if !sent {
			tick.Stop()
			return res, fmt.Errorf("broadcast %d: no server took it", n)
		}
	}
	tick.Stop()
	startCuts()
	close(stop)
	cutters.Wait()

	// Let every client reconnect and get what it will get.
	deadline := time.Now().Add(15 * time.Second)
	for _, cl := range clients {
		for !cl.s.Connected() && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	time.Sleep(3 * time.Second)

	for _, cl := range clients {
		cl.mu.Lock()
		seen := make(map[int]bool)
		inOrder, last := true, 0
		for _, n := range cl.got {
			if seen[n] {
				res.dups++
				inOrder = false
				continue
			}
			seen[n] = true
			if n != last+1 {
				inOrder = false
			}
			last = n
		}
		res.delivered += len(seen)
		if inOrder && last == res.messages {
			res.perfect++
		}
		res.recovered += cl.recovered
		res.refreshed += cl.connects - cl.recovered // the first connect came before OnConnect
		cl.mu.Unlock()
	}
	return res, nil
}
