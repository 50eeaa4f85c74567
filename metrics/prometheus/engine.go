package sioprom

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gosio/gosio/core"
)

// EngineCollector exposes the Engine.IO layer's gauges and counters, read
// from the server at each scrape:
//
//	socket_io_engine_sessions{transport}          open sessions by transport
//	socket_io_engine_queued_packets               packets waiting in outbound queues
//	socket_io_engine_upgrades_total               polling sessions upgraded to WebSocket
//	socket_io_engine_dropped_packets_total{reason} "volatile" drops and "queue_full" refusals
//
// It is safe for concurrent use. Register it with NewEngineCollector.
type EngineCollector struct {
	io                                  *core.Server
	sessions, queued, upgrades, dropped *prometheus.Desc
}

// NewEngineCollector returns the engine collector of io, registered on reg
// when reg is not nil (registering twice panics).
func NewEngineCollector(reg prometheus.Registerer, io *core.Server) *EngineCollector {
	c := &EngineCollector{
		io:       io,
		sessions: prometheus.NewDesc("socket_io_engine_sessions", "Open Engine.IO sessions by transport.", []string{"transport"}, nil),
		queued:   prometheus.NewDesc("socket_io_engine_queued_packets", "Packets waiting in the sessions' outbound queues.", nil, nil),
		upgrades: prometheus.NewDesc("socket_io_engine_upgrades_total", "Polling sessions upgraded to WebSocket.", nil, nil),
		dropped:  prometheus.NewDesc("socket_io_engine_dropped_packets_total", "Outbound packets not queued: volatile drops and full queues.", []string{"reason"}, nil),
	}
	if reg != nil {
		reg.MustRegister(c)
	}
	return c
}

// Describe implements prometheus.Collector.
func (c *EngineCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.sessions
	ch <- c.queued
	ch <- c.upgrades
	ch <- c.dropped
}

// Collect implements prometheus.Collector.
func (c *EngineCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.io.Engine().Stats()
	ch <- prometheus.MustNewConstMetric(c.sessions, prometheus.GaugeValue, float64(st.Polling), "polling")
	ch <- prometheus.MustNewConstMetric(c.sessions, prometheus.GaugeValue, float64(st.WebSocket), "websocket")
	ch <- prometheus.MustNewConstMetric(c.queued, prometheus.GaugeValue, float64(st.Queued))
	ch <- prometheus.MustNewConstMetric(c.upgrades, prometheus.CounterValue, float64(st.Upgrades))
	ch <- prometheus.MustNewConstMetric(c.dropped, prometheus.CounterValue, float64(st.Dropped), "volatile")
	ch <- prometheus.MustNewConstMetric(c.dropped, prometheus.CounterValue, float64(st.Refused), "queue_full")
}
