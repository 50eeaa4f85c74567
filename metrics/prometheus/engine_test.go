package sioprom_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	sioprom "github.com/gosio/gosio/metrics/prometheus"
)

func TestEngineCollector(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	srv, url := newServer(t, nil)
	sioprom.NewEngineCollector(reg, srv)
	if got := value(t, reg, "socket_io_engine_sessions", "transport", "websocket"); got != 0 {
		t.Fatalf("sessions before any client = %v", got)
	}
	c := dial(t, url)
	c.Send("40")
	c.Expect("40")
	if got := value(t, reg, "socket_io_engine_sessions", "transport", "websocket"); got != 1 {
		t.Errorf("websocket sessions = %v, want 1", got)
	}
	if got := value(t, reg, "socket_io_engine_sessions", "transport", "polling"); got != 0 {
		t.Errorf("polling sessions = %v, want 0", got)
	}
	for _, name := range []string{"socket_io_engine_queued_packets", "socket_io_engine_upgrades_total"} {
		if got := value(t, reg, name); got != 0 {
			t.Errorf("%s = %v, want 0", name, got)
		}
	}
	if got := value(t, reg, "socket_io_engine_dropped_packets_total", "reason", "volatile"); got != 0 {
		t.Errorf("dropped = %v", got)
	}
}
