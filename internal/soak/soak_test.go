package soak

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"go.uber.org/goleak"

	"github.com/gosio/gosio/core"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// config is the size of a run: GOSIO_SOAK (a duration) and
// GOSIO_SOAK_CLIENTS; without them a short run for the test suite.
func config(t *testing.T) (time.Duration, int) {
	d, n := 3*time.Second, 100
	if v := os.Getenv("GOSIO_SOAK"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			t.Fatalf("GOSIO_SOAK=%q: %v", v, err)
		}
		n = 2000
	}
	if v := os.Getenv("GOSIO_SOAK_CLIENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			t.Fatalf("GOSIO_SOAK_CLIENTS=%q: %v", v, err)
		}
	}
	return d, n
}

// counters of a run, for the report and the checks.
type counters struct {
	connects, acks, ticks, clean, abrupt, stalls, failures atomic.Int64
	lastFailure                                            atomic.Value

	mu    sync.Mutex
	kinds map[string]int // failures by the start of their message
}

func (c *counters) fail(err error) {
	c.failures.Add(1)
	c.lastFailure.Store(err.Error())
	kind := err.Error()
	if len(kind) > 60 {
		kind = kind[:60]
	}
	c.mu.Lock()
	if c.kinds == nil {
		c.kinds = map[string]int{}
	}
	c.kinds[kind]++
	c.mu.Unlock()
}

func TestSoak(t *testing.T) {
	dur, clients := config(t)
	// Short heartbeats find the stalled and vanished clients within the
	// run. They leave a healthy client seconds to answer: with -race on a
	// loaded 2-core machine a client's reader can wait that long for a
	// core, and a healthy client the server gives up on counts as a
	// failure. A long run with thousands of clients gets more time still.
	interval, timeout := time.Second, 3*time.Second
	if clients > 200 {
		interval, timeout = 2*time.Second, 4*time.Second
	}
	stallPast = interval + timeout + time.Second
	srv := core.NewServer(&core.Options{Engine: core.EngineOptions{
		PingInterval: interval,
		PingTimeout:  timeout,
		WriteTimeout: timeout,
	}})
	srv.OnConnection(func(s *core.Socket) {
		s.Join("all")
		s.On("echo", func(s *core.Socket, e *core.Event) error {
			var n int
			if err := e.Decode(0, &n); err != nil {
				return err
			}
			return e.Ack(n)
		})
	})
	hs := httptest.NewServer(srv)
	defer hs.Close()

	tr := &http.Transport{MaxIdleConnsPerHost: clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}

	// Warm up at full scale (the runtime keeps the goroutine descriptors and
	// pools it grew), then take the baseline.
	warm := &counters{}
	runClients(hs.URL, hc, clients, time.Second, warm)
	if warm.connects.Load() == 0 {
		t.Fatalf("warm-up connected no client: %v", warm.lastFailure.Load())
	}
	waitSessions(t, srv, 10*time.Second)
	tr.CloseIdleConnections()
	baseG, baseHeap := settle()
	t.Logf("baseline: %d goroutines, heap %.1f MiB", baseG, mib(baseHeap))

	// The server broadcasts to every client all along: stalled clients'
	// queues fill.
	stopTicks := make(chan struct{})
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		payload := strings.Repeat("t", 1024)
		tk := time.NewTicker(50 * time.Millisecond)
		defer tk.Stop()
		for i := 0; ; i++ {
			select {
			case <-stopTicks:
				return
			case <-tk.C:
				_ = srv.To("all").Emit("tick", i, payload)
			}
		}
	}()

	var peakG atomic.Int64
	stopPeak := make(chan struct{})
	peakDone := make(chan struct{})
	go func() {
		defer close(peakDone)
		for {
			select {
			case <-stopPeak:
				return
			case <-time.After(200 * time.Millisecond):
				if g := int64(runtime.NumGoroutine()); g > peakG.Load() {
					peakG.Store(g)
				}
			}
		}
	}()

	c := &counters{}
	start := time.Now()
	runClients(hs.URL, hc, clients, dur, c)
	close(stopTicks)
	<-ticked
	close(stopPeak)
	<-peakDone
	t.Logf("%d clients for %v: %d connects, %d acks, %d ticks received; ends: %d clean, %d abrupt, %d stalled; %d failures (last: %v); peak %d goroutines",
		clients, time.Since(start).Round(time.Millisecond), c.connects.Load(), c.acks.Load(), c.ticks.Load(),
		c.clean.Load(), c.abrupt.Load(), c.stalls.Load(), c.failures.Load(), c.lastFailure.Load(), peakG.Load())

	for kind, n := range c.kinds {
		t.Logf("failure %q: %d", kind, n)
	}
	if c.connects.Load() < int64(clients) || c.acks.Load() == 0 || c.ticks.Load() == 0 {
		t.Errorf("too little traffic: every client must connect at least once, emit and receive")
	}
	// Under load a few operations may time out; most must succeed.
	if f := c.failures.Load(); f*20 > c.connects.Load() {
		t.Errorf("%d failures for %d connects (more than 5%%)", f, c.connects.Load())
	}

	// Every session ends (the stalled ones by the heartbeat), then the
	// goroutines and the heap return to the baseline.
	waitSessions(t, srv, 15*time.Second)
	tr.CloseIdleConnections()
	deadline := time.Now().Add(15 * time.Second)
	for {
		g, heap := settle()
		okG := g <= baseG+2
		// The runtime never frees goroutine descriptors (~0.5 KiB each),
		// so a peak above the warm-up's leaves some behind.
		okHeap := heap <= baseHeap+4<<20+uint64(peakG.Load())<<10
		if okG && okHeap {
			t.Logf("after: %d goroutines, heap %.1f MiB", g, mib(heap))
			writeHeapProfile(t)
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("not back to baseline: %d goroutines (baseline %d), heap %.1f MiB (baseline %.1f MiB)",
				g, baseG, mib(heap), mib(baseHeap))
			break
		}
		time.Sleep(200 * time.Millisecond)
		tr.CloseIdleConnections()
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		t.Errorf("close: %v", err)
	}
}

// writeHeapProfile writes a heap profile to $GOSIO_SOAK_PROFILE, if set.
func writeHeapProfile(t *testing.T) {
	path := os.Getenv("GOSIO_SOAK_PROFILE")
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		t.Error(err)
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// settle collects garbage and returns the goroutine count and live heap.
func settle() (int, uint64) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return runtime.NumGoroutine(), ms.HeapAlloc
}

func waitSessions(t *testing.T, srv *core.Server, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for srv.Engine().Stats().Sessions > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions still open after %v", srv.Engine().Stats().Sessions, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// runClients runs n client loops for d: each connects, emits and receives
// for a random while, ends its connection one of several ways, and
// reconnects.
func runClients(base string, hc *http.Client, n int, d time.Duration, c *counters) {
	end := time.Now().Add(d)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			// Spread the first connections over the first second.
			time.Sleep(time.Duration(rng.Int64N(int64(time.Second))))
			for time.Now().Before(end) {
				life := time.Duration(200+rng.Int64N(1800)) * time.Millisecond
				fault := rng.IntN(4) // 0 clean, 1 abrupt, 2 stall then abrupt, 3 stall past the heartbeat
				var err error
				if rng.IntN(3) == 0 {
					err = pollingClient(base, hc, rng, life, fault, c)
				} else {
					err = wsClient(base, rng, life, fault, c)
				}
				if err != nil {
					c.fail(err)
				}
				time.Sleep(time.Duration(rng.Int64N(int64(100 * time.Millisecond))))
			}
		}(i)
	}
	wg.Wait()
}

const opTimeout = 10 * time.Second

// stallPast is how long a client stalls to outlast the heartbeat.
var stallPast time.Duration

// wsClient is one WebSocket connection's life.
func wsClient(base string, rng *rand.Rand, life time.Duration, fault int, c *counters) error {
	u := "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?EIO=4&transport=websocket"
	d := websocket.Dialer{HandshakeTimeout: opTimeout}
	conn, _, err := d.Dial(u, nil)
	if err != nil {
		return fmt.Errorf("ws dial: %w", err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(opTimeout))
	if _, open, err := conn.ReadMessage(); err != nil || !bytes.HasPrefix(open, []byte("0{")) {
		return fmt.Errorf("ws open %q: %v", open, err)
	}
	var wmu sync.Mutex
	write := func(s string) error {
		wmu.Lock()
		defer wmu.Unlock()
		_ = conn.SetWriteDeadline(time.Now().Add(opTimeout))
		return conn.WriteMessage(websocket.TextMessage, []byte(s))
	}
	if err := write(`40{"token":"soak"}`); err != nil {
		return err
	}
	connected := make(chan struct{})
	acks := make(chan int, 16)
	stall := make(chan time.Duration, 1)
	readErr := make(chan error, 1)
	go func() {
		once := false
		for {
			select {
			case p := <-stall:
				time.Sleep(p)
			default:
			}
			_ = conn.SetReadDeadline(time.Now().Add(opTimeout))
			_, m, err := conn.ReadMessage()
			if err != nil {
				readErr <- err
				return
			}
			switch {
			case string(m) == "2":
				_ = write("3")
			case bytes.HasPrefix(m, []byte("40{")) && !once:
				once = true
				close(connected)
			case bytes.HasPrefix(m, []byte(`42["tick"`)):
				c.ticks.Add(1)
			case bytes.HasPrefix(m, []byte("43")):
				if n, ok := ackValue(m[2:]); ok {
					acks <- n
				}
			}
		}
	}()
	select {
	case <-connected:
		c.connects.Add(1)
	case err := <-readErr:
		return fmt.Errorf("ws connect: %w", err)
	case <-time.After(opTimeout):
		return fmt.Errorf("ws connect: timeout")
	}
	stop := time.Now().Add(life)
	for id := 0; time.Now().Before(stop); id++ {
		if err := write(fmt.Sprintf(`42%d["echo",%d]`, id, id)); err != nil {
			return fmt.Errorf("ws emit: %w", err)
		}
		select {
		case n := <-acks:
			if n != id {
				return fmt.Errorf("ws ack %d for %d", n, id)
			}
			c.acks.Add(1)
		case err := <-readErr:
			return fmt.Errorf("ws ack: %w", err)
		case <-time.After(opTimeout):
			return fmt.Errorf("ws ack: timeout")
		}
		time.Sleep(time.Duration(20+rng.Int64N(80)) * time.Millisecond)
	}
	switch fault {
	case 0:
		c.clean.Add(1)
		_ = write("41")
		wmu.Lock()
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		wmu.Unlock()
	case 1:
		c.abrupt.Add(1)
	case 2:
		c.stalls.Add(1)
		stall <- time.Duration(rng.Int64N(int64(time.Second)))
		time.Sleep(time.Second)
	case 3:
		// Stop reading (and answering pings) until the server gives up.
		c.stalls.Add(1)
		stall <- stallPast
		time.Sleep(stallPast)
	}
	_ = conn.UnderlyingConn().Close()
	<-readErr
	return nil
}

// ackValue parses `<id>[n]`.
func ackValue(b []byte) (int, bool) {
	i := bytes.IndexByte(b, '[')
	j := bytes.IndexByte(b, ']')
	if i < 0 || j < i {
		return 0, false
	}
	n, err := strconv.Atoi(string(b[i+1 : j]))
	return n, err == nil
}

// pollingClient is one long-polling session's life.
func pollingClient(base string, hc *http.Client, rng *rand.Rand, life time.Duration, fault int, c *counters) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	u := base + "/socket.io/?EIO=4&transport=polling"
	do := func(ctx context.Context, method, url, body string) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, opTimeout)
		defer cancel()
		var r io.Reader
		if body != "" {
			r = strings.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, url, r)
		if err != nil {
			return "", err
		}
		res, err := hc.Do(req)
		if err != nil {
			return "", err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			return "", err
		}
		if res.StatusCode != http.StatusOK {
			return string(b), fmt.Errorf("%s: status %d %s", method, res.StatusCode, b)
		}
		return string(b), nil
	}
	open, err := do(ctx, http.MethodGet, u, "")
	if err != nil || !strings.HasPrefix(open, `0{"sid":"`) {
		return fmt.Errorf("polling open %q: %v", open, err)
	}
	sid := open[len(`0{"sid":"`):]
	sid = sid[:strings.IndexByte(sid, '"')]
	u += "&sid=" + sid
	if _, err := do(ctx, http.MethodPost, u, `40{"token":"soak"}`); err != nil {
		return fmt.Errorf("polling connect: %w", err)
	}

	// The poller: it hands each payload's packets over, answers pings.
	pollCtx, stopPolling := context.WithCancel(ctx)
	defer stopPolling()
	packets := make(chan string, 256)
	polled := make(chan error, 1)
	var stalled atomic.Bool
	go func() {
		defer close(packets)
		for {
			if stalled.Load() {
				polled <- nil
				return
			}
			body, err := do(pollCtx, http.MethodGet, u, "")
			if err != nil {
				polled <- err
				return
			}
			for _, p := range strings.Split(body, "\x1e") {
				if p == "2" {
					if !stalled.Load() {
						go func() { _, _ = do(ctx, http.MethodPost, u, "3") }()
					}
					continue
				}
				if p == "1" {
					polled <- io.EOF
					return
				}
				select {
				case packets <- p:
				case <-pollCtx.Done():
					polled <- pollCtx.Err()
					return
				}
			}
		}
	}()
	next := func(want string) (string, error) {
		timeout := time.After(opTimeout)
		for {
			select {
			case p, ok := <-packets:
				if !ok {
					return "", fmt.Errorf("polling ended: %v", <-polled)
				}
				if strings.HasPrefix(p, `42["tick"`) {
					c.ticks.Add(1)
					continue
				}
				if strings.HasPrefix(p, want) {
					return p, nil
				}
			case <-timeout:
				return "", fmt.Errorf("polling: no %q", want)
			}
		}
	}
	if _, err := next("40{"); err != nil {
		return err
	}
	c.connects.Add(1)
	stop := time.Now().Add(life)
	for id := 0; time.Now().Before(stop); id++ {
		if _, err := do(ctx, http.MethodPost, u, fmt.Sprintf(`42%d["echo",%d]`, id, id)); err != nil {
			return fmt.Errorf("polling emit: %w", err)
		}
		p, err := next("43" + strconv.Itoa(id) + "[")
		if err != nil {
			return err
		}
		if n, ok := ackValue([]byte(p[2:])); !ok || n != id {
			return fmt.Errorf("polling ack %q for %d", p, id)
		}
		c.acks.Add(1)
		time.Sleep(time.Duration(50+rng.Int64N(150)) * time.Millisecond)
	}
	switch fault {
	case 0:
		c.clean.Add(1)
		_, _ = do(ctx, http.MethodPost, u, "41\x1e1")
	case 1:
		// Abort the pending GET: the server closes the session.
		c.abrupt.Add(1)
	case 2, 3:
		// Stop polling (after the GET under way) and answering pings: the
		// heartbeat closes the session.
		c.stalls.Add(1)
		stalled.Store(true)
		if fault == 3 {
			time.Sleep(stallPast)
		} else {
			time.Sleep(time.Second)
		}
	}
	stopPolling()
	for range packets {
	}
	return nil
}
