package sioprom_test

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gosio/gosio/core"
	sioprom "github.com/gosio/gosio/metrics/prometheus"
)

// Metrics of a chat server on its own registry, served at /metrics next to
// the Socket.IO endpoint. Only the events "join" and "say" get their own
// event label; all others are counted under "other".
func Example() {
	reg := prometheus.NewRegistry()
	m := sioprom.New(reg, sioprom.Options{Events: []string{"join", "say"}})
	io := core.NewServer(&core.Options{Hooks: m.Hooks()})

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	_ = http.ListenAndServe("127.0.0.1:3000", mux)
}

// Keeping the hooks a server already has.
func ExampleMetrics_Wrap() {
	m := sioprom.New(prometheus.NewRegistry(), sioprom.Options{})
	audit := core.Hooks{OnConnect: func(s *core.Socket) { /* ... */ }}
	io := core.NewServer(&core.Options{Hooks: m.Wrap(audit)})
	_ = io
}
