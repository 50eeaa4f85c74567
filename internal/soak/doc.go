// Package soak holds the soak test: many clients connecting, emitting,
// disconnecting and reconnecting over both transports, with random faults,
// after which the server's goroutines and memory must be back to their
// baseline. A short run is part of the test suite; the full one is opt-in:
//
//	GOSIO_SOAK=5m GOSIO_SOAK_CLIENTS=2000 go test -run Soak -v -timeout 15m ./internal/soak
package soak
