// Command bench is gosio's server for the Socket.IO bench rig
// (../shared/bench, contract in its README), written on the public API the
// way an app would:
//
//   - "bench:echo" with one string and an ack: the ack carries the string
//     back;
//   - "bench:broadcast" with {"n","size","ts"}: n broadcasts to every socket
//     of "/" of "bench:msg" {"i", "ts", "p"}, where ts is the request's ts
//     plus the microseconds elapsed on the server, then an ack with n when
//     one was asked for.
//
// It listens on 127.0.0.1:$PORT (default 3000) with net/http, or with
// another integration (-integration fiber, fiberv3 or echov5), and exits on
// SIGTERM or SIGINT.
// PPROF_ADDR=127.0.0.1:6061 also serves net/http/pprof there.
// ADMIN_UI=production (or development) instruments the server for the
// Socket.IO Admin UI (auth off), with no UI connected: the rig then measures
// what the instrumentation costs.
//
//	PORT=3100 go run ./bench   # in examples/
//
// From the repository root, with the rig beside it:
//
//	SERVERS="node gosio=./examples/bench" ../shared/bench/run.sh
//	(cd examples && go build -o ../bin/bench ./bench) &&
//	  SERVERS="node 'gosio-fiber=cmd:./bin/bench -integration fiber'" ../shared/bench/run.sh
//	  (likewise 'gosio-fiberv3=cmd:./bin/bench -integration fiberv3' and echov5)
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof" // served on PPROF_ADDR only
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"

	siofiber "github.com/gosio/gosio/adapters/fiber"
	"github.com/gosio/gosio/admin"
	"github.com/gosio/gosio/core"
)

func main() {
	integration := flag.String("integration", "nethttp", "HTTP stack: nethttp, fiber (v2, native fasthttp), fiberv3 (native fasthttp) or echov5")
	flag.Parse()
	port := os.Getenv("PORT")
	if port == "" {
		port = "3000"
	}
	addr := "127.0.0.1:" + port

	io := core.NewServer(nil)
	setup(io)
	if mode := os.Getenv("ADMIN_UI"); mode != "" {
		a, err := admin.Instrument(io, admin.Options{Auth: admin.NoAuth(), Mode: mode})
		if err != nil {
			log.Fatal(err)
		}
		defer a.Close()
		log.Printf("instrumented for the Admin UI (%s mode)", mode)
	}

	if pp := os.Getenv("PPROF_ADDR"); pp != "" {
		go func() { log.Println(http.ListenAndServe(pp, http.DefaultServeMux)) }()
	}

	stop, err := serve(*integration, addr, io)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("gosio bench server (%s) on http://%s", *integration, addr)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = io.Close(ctx)
	_ = stop(ctx)
}

// broadcastReq is the argument of bench:broadcast.
type broadcastReq struct {
	N    int   `json:"n"`
	Size int   `json:"size"`
	TS   int64 `json:"ts"`
}

// benchMsg is one broadcast message.
type benchMsg struct {
	I  int    `json:"i"`
	TS int64  `json:"ts"`
	P  string `json:"p"`
}

func setup(io *core.Server) {
	io.OnConnection(func(s *core.Socket) {
		s.On("bench:echo", core.HandleAck(func(_ *core.Socket, v string) (string, error) {
			return v, nil
		}))
		s.On("bench:broadcast", func(_ *core.Socket, e *core.Event) error {
			t0 := time.Now()
			var req broadcastReq
			if e.Len() > 0 {
				if err := e.Decode(0, &req); err != nil {
					return err
				}
			}
			n := max(req.N, 0)
			p := payload(max(req.Size, 0))
			for i := range n {
				us := time.Since(t0).Microseconds()
				if err := io.Emit("bench:msg", benchMsg{I: i, TS: req.TS + us, P: p}); err != nil {
					return err
				}
			}
			return e.Ack(n)
		})
	})
}

var payloads sync.Map // size → string of that many 'x'

func payload(size int) string {
	if p, ok := payloads.Load(size); ok {
		return p.(string)
	}
	p, _ := payloads.LoadOrStore(size, strings.Repeat("x", size))
	return p.(string)
}

// serve starts the HTTP stack named by integration and returns its stop
// function.
func serve(integration, addr string, io *core.Server) (func(context.Context) error, error) {
	switch integration {
	case "nethttp":
		mux := http.NewServeMux()
		mux.Handle(io.Path(), io)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, err
		}
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		return srv.Shutdown, nil
	case "fiber":
		app := fiber.New(fiber.Config{DisableStartupMessage: true})
		// Idle WebSockets then hold no goroutine (see siofiber.Handler).
		app.Server().KeepHijackedConns = true
		siofiber.Mount(app, io)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, err
		}
		go func() { _ = app.Listener(ln) }()
		return app.ShutdownWithContext, nil
	case "fiberv3":
		return serveFiberV3(addr, io)
	case "echov5":
		return serveEchoV5(addr, io)
	}
	return nil, fmt.Errorf("unknown integration %q", integration)
}
