package main

import (
	"context"
	"fmt"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/engine"
)

// serve starts the HTTP stack named by integration.
func serve(integration, addr string, eio *engine.Server, io *core.Server) (func(context.Context) error, error) {
	switch integration {
	case "nethttp":
		return serveNetHTTP(addr, eio, io)
	}
	return nil, fmt.Errorf("unknown integration %q", integration)
}
