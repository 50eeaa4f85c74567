// Command conformance is the server the official Engine.IO v4 and Socket.IO
// v5 protocol test suites run against (contract: DESIGN.md §5):
//
//   - /engine.io/: a bare Engine.IO server that echoes every message;
//   - /socket.io/: Socket.IO with namespaces "/" and "/custom". On connect a
//     socket receives "auth" with its CONNECT payload; on "/", "message" is
//     emitted back as "message-back" (the client's ack of "message-back"
//     becomes the ack of "message"), and "message-with-ack" is acknowledged
//     with its own arguments.
//
// pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1e6, connectTimeout
// 1000 ms, CORS "*". It listens on $PORT (default 3000) on 127.0.0.1, and
// serves the socket.io client's browser files at /socket.io/socket.io.js and
// the other standard paths. Its environment turns on optional parts (see
// env.go): PARSER=msgpack speaks socket.io-msgpack-parser on /socket.io/;
// ADMIN_UI=1 instruments it for the Socket.IO Admin UI (namespace /admin,
// auth off, development mode) and serves the UI at /admin-ui/; ALLOW_EIO3=1
// accepts Engine.IO 3 clients (socket.io-client 2.x) on both paths.
//
//	go run ./conformance -integration nethttp
package main

import (
	"context"
	"encoding/json"
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/engine"
)

func main() {
	integration := flag.String("integration", "nethttp", "HTTP stack: nethttp, gin, echo (v4), echov5, fiber (v2) or fiberv3")
	flag.Parse()
	port := os.Getenv("PORT")
	if port == "" {
		port = "3000"
	}
	addr := "127.0.0.1:" + port

	eopts := engine.Options{
		PingInterval:      300 * time.Millisecond,
		PingTimeout:       200 * time.Millisecond,
		MaxHTTPBufferSize: 1e6,
		CORS:              &engine.CORS{Origins: []string{"*"}},
		AllowEIO3:         allowEIO3FromEnv(),
	}
	eio := engine.NewServer(echo{}, eopts)
	opts, err := optionsFromEnv(core.Options{Engine: eopts, ConnectTimeout: time.Second})
	if err != nil {
		log.Fatal(err)
	}
	closeRedis, err := clusterFromEnv(&opts)
	if err != nil {
		log.Fatal(err)
	}
	defer closeRedis()
	io := core.NewServer(&opts)
	setup(io)
	closeAdmin, err := adminFromEnv(io)
	if err != nil {
		log.Fatal(err)
	}
	defer closeAdmin()

	stop, err := serve(*integration, addr, eio, io)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("conformance server (%s) on http://%s", *integration, addr)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = io.Close(ctx)
	_ = eio.Close(ctx)
	_ = stop(ctx)
}

// echo is the bare Engine.IO handler: every message goes back as it came.
type echo struct{}

func (echo) OnOpen(s *engine.Session) engine.SessionHandler { return echoSession{s} }

// echoSession echoes one session's messages.
type echoSession struct{ s *engine.Session }

func (e echoSession) OnMessage(m engine.Message) { _ = e.s.Send(m) }
func (echoSession) OnClose(string, error)        {}

func setup(io *core.Server) {
	onConnect := func(s *core.Socket) {
		_ = s.Emit("auth", json.RawMessage(s.Handshake().Auth))
	}
	io.Of("/custom").OnConnection(onConnect)
	io.OnConnection(func(s *core.Socket) {
		onConnect(s)
		s.On("message", func(s *core.Socket, e *core.Event) error {
			args, err := e.Values()
			if err != nil {
				return err
			}
			if !e.HasAck() {
				return s.Emit("message-back", args...)
			}
			// The client's ack of message-back becomes the ack of message;
			// wait for it without holding up this socket's other events.
			go func() {
				ctx, cancel := context.WithTimeout(s.Context(), 10*time.Second)
				defer cancel()
				reply, err := s.EmitWithAck(ctx, "message-back", args...)
				if err != nil {
					return
				}
				vals, err := reply.Values()
				if err == nil {
					_ = e.Ack(vals...)
				}
			}()
			return nil
		})
		s.On("message-with-ack", func(s *core.Socket, e *core.Event) error {
			args, err := e.Values()
			if err != nil {
				return err
			}
			return e.Ack(args...)
		})
	})
}

// serveNetHTTP mounts both servers on net/http.
func serveNetHTTP(addr string, eio http.Handler, io *core.Server) (func(context.Context) error, error) {
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", eio)
	mux.Handle("/socket.io/", io)
	if adminUI != nil {
		mux.Handle("/admin-ui/", adminUI)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv.Shutdown, nil
}
