package sioprom

import (
	"context"
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gosio/gosio/core"
)

// Other is the label value that stands for every event (or namespace) not
// in the allow-list of [Options].
const Other = "other"

// Options configure [New]. The zero value works: every event is counted
// under the event label "other", and every namespace under its own name.
// A plain value: fill it in before passing it on; it is not to be changed afterwards.
type Options struct {
	// Events lists the event names that get their own value of the event
	// label; every other event is counted under [Other]. Event names come
	// from clients, so labelling them all would let one client create
	// series without bound. Default: none.
	Events []string
	// Namespaces, when set, lists the namespaces that get their own value of
	// the namespace label; the others are counted under [Other]. Set it when
	// the server has dynamic namespaces ([core.Server.OfFunc],
	// [core.Server.OfRegexp]) whose names are not bounded. Default: every
	// namespace under its own name, except that refusals of namespaces that
	// do not exist are counted under [Other].
	Namespaces []string
}

// Metrics holds the Socket.IO metrics of one server (or of several servers
// sharing it). Its methods and the hooks it returns are safe for concurrent
// use.
//
// Metrics is a [prometheus.Collector]: [New] registers it on the registerer
// it is given, or leaves registering it to the caller when that is nil.
type Metrics struct {
	events     map[string]bool
	namespaces map[string]bool

	connected      *prometheus.GaugeVec
	connects       *prometheus.CounterVec
	disconnects    *prometheus.CounterVec
	eventsReceived *prometheus.CounterVec
	eventsSent     *prometheus.CounterVec
	bytesReceived  *prometheus.CounterVec
	bytesSent      *prometheus.CounterVec
	errors         *prometheus.CounterVec
}

// New returns the metrics described in the package documentation,
// registered on reg. It never uses the global registry on its own: pass
// [prometheus.DefaultRegisterer] for that, or nil to register the returned
// Metrics (a [prometheus.Collector]) yourself. It panics when reg already
// holds metrics of the same names, like [prometheus.Registerer.MustRegister].
func New(reg prometheus.Registerer, opts Options) *Metrics {
	m := &Metrics{
		events: set(opts.Events),
		connected: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "socket_io_connected",
			Help: "Number of currently connected sockets.",
		}, []string{"namespace"}),
		connects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socket_io_connect_total",
			Help: "Total count of socket.io connections.",
		}, []string{"namespace"}),
		disconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socket_io_disconnect_total",
			Help: "Total count of socket.io disconnections, by reason.",
		}, []string{"namespace", "reason"}),
		eventsReceived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socket_io_events_received_total",
			Help: "Total count of socket.io received events.",
		}, []string{"event", "namespace"}),
		eventsSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socket_io_events_sent_total",
			Help: "Total count of socket.io sent events (one per socket reached).",
		}, []string{"event", "namespace"}),
		// The names below keep the Node packages' spelling ("recieve",
		// and no _total suffix) so that their dashboards work unchanged.
		bytesReceived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socket_io_recieve_bytes",
			Help: "Total socket.io bytes received.",
		}, []string{"event", "namespace"}),
		bytesSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socket_io_transmit_bytes",
			Help: "Total socket.io bytes transmitted.",
		}, []string{"event", "namespace"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socket_io_errors_total",
			Help: "Total socket.io connection refusals (connect_error).",
		}, []string{"namespace"}),
	}
	if opts.Namespaces != nil {
		m.namespaces = set(opts.Namespaces)
	}
	if reg != nil {
		reg.MustRegister(m)
	}
	return m
}

func set(names []string) map[string]bool {
	s := make(map[string]bool, len(names))
	for _, n := range names {
		s[n] = true
	}
	return s
}

func (m *Metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.connected, m.connects, m.disconnects, m.eventsReceived,
		m.eventsSent, m.bytesReceived, m.bytesSent, m.errors}
}

// Describe sends the descriptors of the metrics (prometheus.Collector).
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.collectors() {
		c.Describe(ch)
	}
}

// Collect sends the current values of the metrics (prometheus.Collector).
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.collectors() {
		c.Collect(ch)
	}
}

// event returns the event label of name.
func (m *Metrics) event(name string) string {
	if m.events[name] {
		return name
	}
	return Other
}

// namespace returns the namespace label of name.
func (m *Metrics) namespace(name string) string {
	if m.namespaces == nil || m.namespaces[name] {
		return name
	}
	return Other
}

// Hooks returns the server hooks that update the metrics; set them as
// [core.Options.Hooks], or combine them with others with [Metrics.Wrap].
func (m *Metrics) Hooks() core.Hooks {
	return core.Hooks{
		OnConnect: func(s *core.Socket) {
			nsp := m.namespace(s.Namespace().Name())
			m.connected.WithLabelValues(nsp).Inc()
			m.connects.WithLabelValues(nsp).Inc()
		},
		OnConnectError: func(nsp string, err error) {
			// A client may ask for any namespace name: only those that
			// exist get a series of their own.
			if errors.Is(err, core.ErrInvalidNamespace) {
				nsp = Other
			}
			m.errors.WithLabelValues(m.namespace(nsp)).Inc()
		},
		OnDisconnect: func(s *core.Socket, reason string) {
			nsp := m.namespace(s.Namespace().Name())
			m.connected.WithLabelValues(nsp).Dec()
			m.disconnects.WithLabelValues(nsp, reason).Inc()
		},
		OnEventIn: func(s *core.Socket, event string, size int) {
			ev, nsp := m.event(event), m.namespace(s.Namespace().Name())
			m.eventsReceived.WithLabelValues(ev, nsp).Inc()
			m.bytesReceived.WithLabelValues(ev, nsp).Add(float64(size))
		},
		OnEventOut: func(_ context.Context, nsp, event string, size, targets int) {
			if targets <= 0 {
				return
			}
			ev, ns := m.event(event), m.namespace(nsp)
			m.eventsSent.WithLabelValues(ev, ns).Add(float64(targets))
			m.bytesSent.WithLabelValues(ev, ns).Add(float64(size * targets))
		},
	}
}

// Wrap returns hooks that call those of next, then update the metrics: the
// way to keep the hooks already in [core.Options.Hooks].
func (m *Metrics) Wrap(next core.Hooks) core.Hooks {
	h := m.Hooks()
	return core.Hooks{
		OnConnect: func(s *core.Socket) {
			if next.OnConnect != nil {
				next.OnConnect(s)
			}
			h.OnConnect(s)
		},
		OnConnectError: func(nsp string, err error) {
			if next.OnConnectError != nil {
				next.OnConnectError(nsp, err)
			}
			h.OnConnectError(nsp, err)
		},
		OnDisconnect: func(s *core.Socket, reason string) {
			if next.OnDisconnect != nil {
				next.OnDisconnect(s, reason)
			}
			h.OnDisconnect(s, reason)
		},
		OnEventIn: func(s *core.Socket, event string, size int) {
			if next.OnEventIn != nil {
				next.OnEventIn(s, event, size)
			}
			h.OnEventIn(s, event, size)
		},
		OnEventOut: func(ctx context.Context, nsp, event string, size, targets int) {
			if next.OnEventOut != nil {
				next.OnEventOut(ctx, nsp, event, size, targets)
			}
			h.OnEventOut(ctx, nsp, event, size, targets)
		},
	}
}
