package main

import (
	"fmt"
	"os"

	"github.com/gosio/gosio/clientdist"
	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/parser"
)

// optionsFromEnv applies the environment's switches (DESIGN.md §5) to the
// Socket.IO server's options:
//
//	PARSER=msgpack   the socket.io-msgpack-parser wire format
//
// The client files are always served, as Node serves them by default.
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
