package admin

import (
	"context"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// aggregatedEvent is one entry of server_stats' aggregatedEvents: how many
// events of a type (and subtype) happened in the second starting at
// Timestamp (milliseconds).
type aggregatedEvent struct {
	Timestamp int64  `json:"timestamp"`
	Type      string `json:"type"`
	SubType   string `json:"subType,omitempty"`
	Count     uint64 `json:"count"`
}

// counters collects the aggregated events: the per-message ones in atomics
// (they are counted on every packet), the rare ones under a lock.
type counters struct {
	packetsIn, bytesIn, packetsOut, bytesOut atomic.Uint64

	mu     sync.Mutex
	events map[aggregatedEvent]uint64 // key with Count 0
	order  []aggregatedEvent
}

// add counts n events of typ/sub in the current second.
func (c *counters) add(typ, sub string, n uint64) {
	if n == 0 {
		return
	}
	ts := time.Now().Truncate(time.Second).UnixMilli()
	k := aggregatedEvent{Timestamp: ts, Type: typ, SubType: sub}
	c.mu.Lock()
	if c.events == nil {
		c.events = make(map[aggregatedEvent]uint64)
	}
	if _, ok := c.events[k]; !ok {
		c.order = append(c.order, k)
	}
	c.events[k] += n
	c.mu.Unlock()
}

// flush moves the per-message counters into the current second.
func (c *counters) flush() {
	c.add("packetsIn", "", c.packetsIn.Swap(0))
	c.add("bytesIn", "", c.bytesIn.Swap(0))
	c.add("packetsOut", "", c.packetsOut.Swap(0))
	c.add("bytesOut", "", c.bytesOut.Swap(0))
}

// take returns the events counted since the last take and forgets them.
func (c *counters) take() []aggregatedEvent {
	c.flush()
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]aggregatedEvent, 0, len(c.order))
	for _, k := range c.order {
		k.Count = c.events[k]
		out = append(out, k)
	}
	c.events, c.order = nil, nil
	return out
}

// serverStats is the server_stats event's payload.
type serverStats struct {
	ServerID            string            `json:"serverId"`
	Hostname            string            `json:"hostname"`
	PID                 int               `json:"pid"`
	Uptime              float64           `json:"uptime"`
	ClientsCount        int               `json:"clientsCount"`
	PollingClientsCount int               `json:"pollingClientsCount"`
	AggregatedEvents    []aggregatedEvent `json:"aggregatedEvents"`
	Namespaces          []namespaceStats  `json:"namespaces"`
}

type namespaceStats struct {
	Name         string `json:"name"`
	SocketsCount int    `json:"socketsCount"`
}

// runStats sends server_stats at once and then every StatsInterval, and
// folds the per-message counters into their second every second.
func (a *Admin) runStats() {
	defer a.wg.Done()
	a.emitStats()
	stats := time.NewTicker(a.opts.StatsInterval)
	defer stats.Stop()
	second := time.NewTicker(time.Second)
	defer second.Stop()
	for {
		select {
		case <-second.C:
			a.counts.flush()
		case <-stats.C:
			a.emitStats()
		case <-a.stop:
			return
		}
	}
}

// stats returns this server's statistics now, and forgets the aggregated
// events they include.
func (a *Admin) stats() serverStats {
	st := a.srv.Engine().Stats()
	out := serverStats{
		ServerID:            a.opts.ServerID,
		Hostname:            a.hostname,
		PID:                 os.Getpid(),
		Uptime:              time.Since(processStart).Seconds(),
		ClientsCount:        st.Sessions,
		PollingClientsCount: st.Polling,
		AggregatedEvents:    a.counts.take(),
		Namespaces:          []namespaceStats{},
	}
	for _, n := range a.srv.Namespaces() {
		out.Namespaces = append(out.Namespaces, namespaceStats{Name: n.Name(), SocketsCount: len(n.Sockets())})
	}
	return out
}

// emitStats broadcasts this server's statistics to every UI of the
// cluster, and decides whether live events may have a listener: a UI here,
// or other servers whose UIs hear ours.
func (a *Admin) emitStats() {
	_ = a.nsp.Emit("server_stats", a.stats())
	if !a.dev {
		return
	}
	live := len(a.nsp.Sockets()) > 0
	if !live {
		ctx, cancel := context.WithTimeout(context.Background(), a.opts.StatsInterval)
		n, err := a.nsp.Adapter().ServerCount(ctx)
		cancel()
		live = err != nil || n > 1
	}
	a.live.Store(live)
}

// processStart approximates the process's start, for uptime.
var processStart = time.Now()
