package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	sioredis "github.com/gosio/gosio/cluster/redis"
	"github.com/gosio/gosio/core"
)

// server is one server of a scenario: its address, and how to kill it.
type server struct {
	addr string
	kill func() // SIGKILL for a process; Close for the in-process server
}

// handler serves Socket.IO and /broadcast?n=N, which broadcasts "m" N to
// every client and answers once the broadcast is made.
func handler(io *core.Server) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	mux.HandleFunc("/broadcast", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil {
			http.Error(w, "n", http.StatusBadRequest)
			return
		}
		if err := io.Emit("m", n); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
		}
	})
	return mux
}

func startMemory() (*server, error) {
	io := core.NewServer(&core.Options{ConnectionStateRecovery: &core.ConnectionStateRecovery{}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: handler(io)}
	go func() { _ = hs.Serve(ln) }()
	return &server{addr: ln.Addr().String(), kill: func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = io.Close(ctx)
		_ = hs.Close()
	}}, nil
}

// serveChild runs a gosio server on the Streams adapter with recovery:
// "-serve -redis ADDR". It prints "READY <addr>" and serves until killed.
func serveChild(args []string) {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	addr := fs.String("redis", "127.0.0.1:6379", "Redis address")
	_ = fs.Parse(args)
	rdb := redis.NewClient(&redis.Options{Addr: *addr})
	io := core.NewServer(&core.Options{
		Adapter:                 sioredis.StreamsFactory(sioredis.NewGoRedis(rdb, nil), nil),
		ConnectionStateRecovery: &core.ConnectionStateRecovery{},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	err := sioredis.WaitReady(ctx, io.Of("/").Adapter())
	cancel()
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	fmt.Println("READY", ln.Addr().String())
	_ = http.Serve(ln, handler(io))
}

// startProcess runs cmd and waits for its "READY <addr>" line.
func startProcess(cmd *exec.Cmd) (*server, error) {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
				ready <- a
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	kill := func() {
		_ = cmd.Process.Kill() // SIGKILL, by PID
		_ = cmd.Wait()
	}
	select {
	case a := <-ready:
		return &server{addr: a, kill: kill}, nil
	case <-time.After(20 * time.Second):
		kill()
		return nil, fmt.Errorf("%s did not start", cmd.Path)
	}
}

func startGosioChild(redisAddr string) (*server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return startProcess(exec.Command(self, "-serve", "-redis", redisAddr))
}

func startNodeServer(redisAddr, nodeModules string) (*server, error) {
	script, err := os.CreateTemp("", "recovery-bench-*.js")
	if err != nil {
		return nil, err
	}
	_, _ = script.WriteString(nodeServerJS)
	_ = script.Close()
	cmd := exec.Command("node", script.Name())
	cmd.Env = append(os.Environ(), "NODE_PATH="+nodeModules, "REDIS_URL=redis://"+redisAddr)
	s, err := startProcess(cmd)
	if err != nil {
		_ = os.Remove(script.Name())
		return nil, err
	}
	kill := s.kill
	s.kill = func() { kill(); _ = os.Remove(script.Name()) }
	return s, nil
}

// startRedis runs redis-server on a free loopback port, without
// persistence.
func startRedis() (addr string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	addr = "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop = func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	for i := 0; ; i++ {
		if rdb.Ping(context.Background()).Err() == nil {
			return addr, stop, nil
		}
		if i == 200 {
			stop()
			return "", nil, fmt.Errorf("redis-server did not start")
		}
		time.Sleep(25 * time.Millisecond)
	}
}
