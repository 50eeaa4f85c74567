package main

import (
	"fmt"
	"net/http"
	"os"

	"github.com/gosio/gosio/admin"

	"github.com/gosio/gosio/clientdist"
	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/parser"
)

// optionsFromEnv applies the environment's switches (DESIGN.md §5) to the
// Socket.IO server's options:
//
//	PARSER=msgpack   the socket.io-msgpack-parser wire format
//
//	ADMIN_UI=1       the Admin UI (adminFromEnv)
//
// The client files are always served, as Node serves them by default.
// ALLOW_EIO3 is read by allowEIO3FromEnv, for both servers' engines.
func optionsFromEnv(o core.Options) (core.Options, error) {
	o.ServeClient = clientdist.Bundle
	switch p := os.Getenv("PARSER"); p {
	case "", "json":
	case "msgpack":
		o.Parser = parser.MsgPack
	default:
		return o, fmt.Errorf("PARSER=%q: want msgpack or json", p)
	}
	return o, nil
}

// adminUI serves the Admin UI's page at /admin-ui/ when ADMIN_UI=1; each
// integration mounts it.
var adminUI http.Handler

// adminFromEnv instruments io for the Socket.IO Admin UI when ADMIN_UI=1:
// namespace /admin with auth off (any harness may drive it), development
// mode (every socket and event), and the UI's page at /admin-ui/. It returns
// the function that stops the instrumentation.
func adminFromEnv(io *core.Server) (func(), error) {
	switch v := os.Getenv("ADMIN_UI"); v {
	case "", "0":
		return func() {}, nil
	case "1":
	default:
		return nil, fmt.Errorf("ADMIN_UI=%q: want 1", v)
	}
	a, err := admin.Instrument(io, admin.Options{Auth: admin.NoAuth(), Mode: admin.Development})
	if err != nil {
		return nil, err
	}
	adminUI = admin.UIHandler("/admin-ui/")
	return func() { _ = a.Close() }, nil
}

// allowEIO3FromEnv reports whether ALLOW_EIO3=1 (or true) asks both servers
// to accept Engine.IO 3 clients, as Node's allowEIO3.
func allowEIO3FromEnv() bool {
	switch os.Getenv("ALLOW_EIO3") {
	case "1", "true":
		return true
	}
	return false
}
