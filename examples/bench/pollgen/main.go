// Command pollgen measures a bench-contract server (see ../main.go) with
// long-polling clients: it opens -n Engine.IO v4 polling sessions on "/",
// keeps a GET pending on each, and has one of them emit
// bench:broadcast{n:1} -rate times per second, -count times. It reports the
// delivered messages, their latency (server emit → receipt, from the "ts"
// field) and, with -pid, the server's CPU (per delivered message) and RSS
// growth per client, as one JSON line on stdout and a summary on stderr.
//
// Run a server pinned on one core and pollgen on the other, e.g.:
//
//	PORT=3300 taskset -c 0 ./bench & taskset -c 1 ./pollgen -url http://127.0.0.1:3300 -pid $!
//	PORT=3301 taskset -c 0 node .bench-out/servers/node/server.js & taskset -c 1 ./pollgen -url http://127.0.0.1:3301 -pid $!
//
// Traffic goes to the given URL only; the run ends after the broadcasts and
// at most -max.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var start = time.Now()

// clock is microseconds since start: the "ts" of the bench contract.
func clock() int64 { return time.Since(start).Microseconds() }

type result struct {
	Scenario       string  `json:"scenario"`
	Clients        int     `json:"clients"`
	Connected      int     `json:"connected"`
	Broadcasts     int     `json:"broadcasts"`
	Expected       int     `json:"expected"`
	Delivered      int64   `json:"delivered"`
	ElapsedS       float64 `json:"elapsed_s"`
	P50ms          float64 `json:"p50_ms"`
	P99ms          float64 `json:"p99_ms"`
	MaxMs          float64 `json:"max_ms"`
	ServerCPUPct   float64 `json:"server_cpu_pct"`
	ServerCPUusMsg float64 `json:"server_cpu_us_per_msg"`
	RSSBeforeKB    int64   `json:"rss_before_kb"`
	RSSAfterKB     int64   `json:"rss_after_kb"`
	KiBPerClient   float64 `json:"kib_per_client"`
	Errors         int64   `json:"errors"`
	Err            string  `json:"err,omitempty"`
}

func main() {
	var (
		url   = flag.String("url", "http://127.0.0.1:3000", "server root")
		n     = flag.Int("n", 1000, "polling clients")
		rate  = flag.Float64("rate", 5, "broadcasts per second")
		count = flag.Int("count", 50, "broadcasts")
		size  = flag.Int("size", 100, "payload bytes per message")
		pid   = flag.Int("pid", 0, "server PID for CPU and RSS (Linux /proc)")
		max   = flag.Duration("max", 2*time.Minute, "hard limit for the run")
	)
	flag.Parse()
	time.AfterFunc(*max, func() { log.Fatal("pollgen: -max reached") })
	tr := &http.Transport{
		MaxIdleConnsPerHost: 2 * *n,
		DisableCompression:  true,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}
	hc := &http.Client{Transport: tr, Timeout: time.Minute}
	base := strings.TrimRight(*url, "/") + "/socket.io/?EIO=4&transport=polling"

	r := result{Scenario: "polling-fanrate", Clients: *n, Broadcasts: *count}
	r.RSSBeforeKB = rssKB(*pid)

	var (
		lat      = make([][]float64, *n)
		received atomic.Int64
		errs     atomic.Int64
		stop     = make(chan struct{})
		wg       sync.WaitGroup
	)
	clients := make([]*client, 0, *n)
	for i := 0; i < *n; i++ {
		c := &client{hc: hc, base: base}
		if err := c.connect(); err != nil {
			r.Err = fmt.Sprintf("client %d: %v", i, err)
			break
		}
		clients = append(clients, c)
	}
	r.Connected = len(clients)
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.poll(stop, func(ts int64) {
				lat[i] = append(lat[i], float64(clock()-ts)/1000)
				received.Add(1)
			}, &errs)
		}()
	}
	time.Sleep(500 * time.Millisecond) // every GET pending
	cpu0, t0 := cpuTicks(*pid), time.Now()
	if len(clients) > 0 && r.Err == "" {
		tick := time.NewTicker(time.Duration(float64(time.Second) / *rate))
		for k := 0; k < *count; k++ {
			<-tick.C
			body := fmt.Sprintf(`42["bench:broadcast",{"n":1,"size":%d,"ts":%d}]`, *size, clock())
			if err := clients[0].post(body); err != nil {
				errs.Add(1)
			}
		}
		tick.Stop()
		r.Expected = *count * len(clients)
		deadline := time.Now().Add(10 * time.Second)
		for received.Load() < int64(r.Expected) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	el := time.Since(t0)
	cpu1 := cpuTicks(*pid)
	r.RSSAfterKB = rssKB(*pid)
	close(stop)
	r.Delivered = received.Load()
	r.Errors = errs.Load()
	r.ElapsedS = el.Seconds()
	if *pid > 0 {
		cpuS := float64(cpu1-cpu0) / 100 // USER_HZ
		r.ServerCPUPct = 100 * cpuS / el.Seconds()
		if r.Delivered > 0 {
			r.ServerCPUusMsg = cpuS * 1e6 / float64(r.Delivered)
		}
		if r.Connected > 0 {
			r.KiBPerClient = float64(r.RSSAfterKB-r.RSSBeforeKB) / float64(r.Connected)
		}
	}
	var all []float64
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	if len(all) > 0 {
		r.P50ms, r.P99ms, r.MaxMs = all[len(all)/2], all[len(all)*99/100], all[len(all)-1]
	}
	if r.Err == "" && r.Delivered < int64(r.Expected) {
		r.Err = fmt.Sprintf("delivered %d of %d", r.Delivered, r.Expected)
	}
	out, _ := json.Marshal(r)
	fmt.Println(string(out))
	fmt.Fprintf(os.Stderr, "[polling] %d/%d clients, %d broadcasts: delivered %d/%d; latency p50 %.1fms p99 %.1fms max %.1fms; server CPU %.0f%% = %.1f µs/msg; RSS %.1f -> %.1f MiB = %.1f KiB/client; errors %d %s\n",
		r.Connected, r.Clients, r.Broadcasts, r.Delivered, r.Expected, r.P50ms, r.P99ms, r.MaxMs,
		r.ServerCPUPct, r.ServerCPUusMsg, float64(r.RSSBeforeKB)/1024, float64(r.RSSAfterKB)/1024, r.KiBPerClient, r.Errors, r.Err)
	// The pending GETs end with the process.
}

// client is one Engine.IO polling session joined to "/".
type client struct {
	hc   *http.Client
	base string // ...?EIO=4&transport=polling
	sid  string
}

func (c *client) url() string { return c.base + "&sid=" + c.sid }

func (c *client) get(url string) ([]byte, error) {
	res, err := c.hc.Get(url)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET status %d: %s", res.StatusCode, body)
	}
	return body, err
}

func (c *client) post(payload string) error {
	res, err := c.hc.Post(c.url(), "text/plain;charset=UTF-8", strings.NewReader(payload))
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("POST status %d", res.StatusCode)
	}
	return nil
}

// connect does the handshake and joins "/".
func (c *client) connect() error {
	body, err := c.get(c.base)
	if err != nil {
		return err
	}
	if len(body) == 0 || body[0] != '0' {
		return fmt.Errorf("open packet %q", body)
	}
	var open struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal(bytes.SplitN(body[1:], []byte{0x1e}, 2)[0], &open); err != nil {
		return err
	}
	c.sid = open.SID
	if err := c.post("40"); err != nil {
		return err
	}
	for i := 0; i < 10; i++ {
		body, err := c.get(c.url())
		if err != nil {
			return err
		}
		for _, p := range bytes.Split(body, []byte{0x1e}) {
			if bytes.HasPrefix(p, []byte("40")) {
				return nil
			}
		}
	}
	return errors.New("no CONNECT answer")
}

var msgPrefix = []byte(`42["bench:msg",`)

// poll keeps a GET pending until stop, reporting each bench:msg's ts and
// answering pings.
func (c *client) poll(stop <-chan struct{}, got func(ts int64), errs *atomic.Int64) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		body, err := c.get(c.url())
		if err != nil {
			errs.Add(1)
			return
		}
		for _, p := range bytes.Split(body, []byte{0x1e}) {
			switch {
			case bytes.HasPrefix(p, msgPrefix):
				if ts, ok := jsonInt(p, []byte(`"ts":`)); ok {
					got(ts)
				}
			case len(p) == 1 && p[0] == '2':
				if err := c.post("3"); err != nil {
					errs.Add(1)
				}
			}
		}
	}
}

// jsonInt reads the integer after key in b.
func jsonInt(b, key []byte) (int64, bool) {
	i := bytes.Index(b, key)
	if i < 0 {
		return 0, false
	}
	b = b[i+len(key):]
	j := 0
	for j < len(b) && (b[j] == '-' || (b[j] >= '0' && b[j] <= '9')) {
		j++
	}
	v, err := strconv.ParseInt(string(b[:j]), 10, 64)
	return v, err == nil
}

// cpuTicks returns utime+stime of pid in clock ticks, 0 without a pid.
func cpuTicks(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}

// rssKB returns VmRSS of pid in KiB, 0 without a pid.
func rssKB(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			v, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return v
		}
	}
	return 0
}
