//go:build !linux || 386

package main

import "net/http"

// newServer: the floor server makes its sends with the Linux sendto system
// call; elsewhere it only says so.
func newServer() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "the floor server runs on Linux (amd64, arm64, ...) only", http.StatusNotImplemented)
	})
}
