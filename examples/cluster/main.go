// Command cluster runs three gosio servers on one machine, joined into one
// Socket.IO cluster through Redis (cluster/redis, wire-compatible with
// Node's @socket.io/redis-adapter, so Node servers may join too):
//
//	redis-server --port 6379 &
//	go run ./cluster -redis 127.0.0.1:6379
//
// The servers listen on 127.0.0.1:3001, :3002 and :3003. Connect
// socket.io-client to any of them: a "chat" event sent to one server
// reaches the clients of all three; each server announces itself every
// few seconds, and the first one also publishes through the emitter, the
// way a Go worker that is not a Socket.IO server would. With -duration the
// program stops by itself after that long (handy as a smoke test).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	sioredis "github.com/gosio/gosio/cluster/redis"
	"github.com/gosio/gosio/core"
)

func main() {
	addr := flag.String("redis", "127.0.0.1:6379", "Redis address")
	ports := flag.String("ports", "3001,3002,3003", "comma-separated ports of the servers")
	duration := flag.Duration("duration", 0, "stop after this long (0: run until interrupted)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}

	// One Redis client per server, as separate processes would have.
	var wg sync.WaitGroup
	for i, port := range strings.Split(*ports, ",") {
		name := fmt.Sprintf("server-%d", i+1)
		rdb := redis.NewClient(&redis.Options{Addr: *addr})
		defer rdb.Close()
		io := newServer(name, rdb, log.With("server", name))
		ln, err := net.Listen("tcp", "127.0.0.1:"+strings.TrimSpace(port))
		if err != nil {
			log.Error("listen", "err", err)
			os.Exit(1)
		}
		mux := http.NewServeMux()
		mux.Handle(io.Path(), io)
		hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		log.Info("listening", "server", name, "url", "http://"+ln.Addr().String()+io.Path())
		wg.Add(1)
		go func() {
			defer wg.Done()
			go func() { _ = hs.Serve(ln) }()
			announce(ctx, io, name, log)
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = io.Close(sctx)
			_ = hs.Shutdown(sctx)
		}()
	}

	// A Go process that is not a server can still reach every client.
	emitterRDB := redis.NewClient(&redis.Options{Addr: *addr})
	defer emitterRDB.Close()
	em := sioredis.NewEmitter(sioredis.NewGoRedis(emitterRDB, nil), nil)
	t := time.NewTicker(7 * time.Second)
	defer t.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case now := <-t.C:
			if err := em.Emit(ctx, "news", "from the emitter at "+now.Format(time.TimeOnly)); err != nil {
				log.Warn("emitter", "err", err)
			}
		}
	}
	wg.Wait()
}

// newServer builds one gosio server on the Redis adapter.
func newServer(name string, rdb *redis.Client, log *slog.Logger) *core.Server {
	io := core.NewServer(&core.Options{
		Logger: log,
		Adapter: sioredis.Factory(sioredis.NewGoRedis(rdb, &sioredis.GoRedisOptions{Logger: log}), &sioredis.Options{
			Logger:  log,
			OnError: func(err error) { log.Warn("cluster", "err", err) },
		}),
	})
	io.OnConnection(func(s *core.Socket) {
		log.Info("connected", "socket", s.ID())
		s.Join("lobby")
		s.On("chat", func(s *core.Socket, e *core.Event) error {
			var text string
			if err := e.Decode(0, &text); err != nil {
				return err
			}
			// Reaches the clients of every server in the cluster.
			return io.To("lobby").Emit("chat", map[string]string{"from": s.ID(), "via": name, "text": text})
		})
	})
	io.Of("/").OnServerSide("whoami", func(args []any, ack func(...any)) {
		if ack != nil {
			ack(name)
		}
	})
	return io
}

// announce broadcasts the server's view of the cluster until ctx is done.
func announce(ctx context.Context, io *core.Server, name string, log *slog.Logger) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		count, err := io.Of("/").Adapter().ServerCount(rctx)
		socks, ferr := io.FetchSockets(rctx)
		peers, serr := io.Of("/").ServerSideEmitWithAck(rctx, "whoami")
		cancel()
		if err = firstErr(err, ferr, serr); err != nil {
			log.Warn("cluster view", "err", err)
			continue
		}
		log.Info("cluster view", "servers", count, "sockets", len(socks), "peers", peers)
		_ = io.Emit("status", map[string]any{"server": name, "servers": count, "sockets": len(socks)})
	}
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
