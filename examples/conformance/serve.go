package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/engine"
)

// serve starts the HTTP stack named by integration.
func serve(integration, addr string, eio *engine.Server, io *core.Server) (func(context.Context) error, error) {
	switch integration {
	case "nethttp":
		return serveNetHTTP(addr, eio, io)
	case "gin":
		return serveGin(addr, eio, io)
	case "echo":
		return serveEcho(addr, eio, io)
	case "echov5":
		return serveEchoV5(addr, eio, io)
	case "fiber":
		return serveFiber(addr, eio, io)
	case "fiberv3":
		return serveFiberV3(addr, eio, io)
	}
	return nil, fmt.Errorf("unknown integration %q", integration)
}

// listenHTTP serves h with net/http on addr.
func listenHTTP(addr string, h http.Handler) (func(context.Context) error, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv.Shutdown, nil
}
