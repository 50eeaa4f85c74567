// Command floor answers the bench rig's contract (see ../main.go) with as
// little as a server can do: no Socket.IO library, no queues, no goroutine
// per write. A broadcast message is framed once and handed to each
// connection's socket with one non-blocking sendto, from the goroutine that
// read the request. What it costs on the rig is what the kernel costs: the
// floor any server meets in the scenarios where every message is its own TCP
// send (fanout at a fixed rate), and the yardstick for gosio's own overhead.
//
// It is a measuring tool, not a server to build on: it speaks only what the
// rig's load generator sends (WebSocket straight away, no polling, no
// binary, no pings of its own: a client is dropped after Engine.IO's
// pingInterval + pingTimeout by a client that checks), and it closes a
// connection whose socket does not take a whole frame at once rather than
// wait for it.
//
//	(cd examples && go build -o ../bin/floor ./bench/floor) &&
//	  SCENARIOS=fanrate SERVERS="node gosio=./examples/bench 'floor=cmd:./bin/floor'" ../shared/bench/run.sh
//
// It listens on 127.0.0.1:$PORT (default 3000) and exits on SIGTERM or
// SIGINT. Linux only (it makes the system call itself).
package main

import (
	"context"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "3000"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		log.Fatal(err)
	}
	hs := &http.Server{Handler: newServer(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	log.Printf("floor server on http://%s", ln.Addr())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = hs.Shutdown(ctx)
}
