// Command recovery measures what connection state recovery delivers when
// clients lose their connection again and again, and when a server dies:
// N clients (gosio's Go client, WebSocket, reconnecting by themselves) reach
// the servers through a proxy that, for each client, cuts its connection
// for a while at random every few seconds, and routes every new
// connection to a live server in turn (no sticky sessions needed: the
// clients speak WebSocket only). Meanwhile the servers broadcast numbered
// messages; at the end each client's record says which numbers it got,
// how often and in which order.
//
// Scenarios (-scenarios, comma-separated):
//
//	memory   one gosio server, in-memory recovery
//	streams  three gosio servers (child processes) on the Redis Streams
//	         adapter, one of them SIGKILLed mid-run
//	node     three Node socket.io 4.8 servers on
//	         @socket.io/redis-streams-adapter 0.3.1, one SIGKILLed mid-run
//
// It starts redis-server (from $PATH) on a free loopback port for the
// cluster scenarios. The node scenario needs node and the packages of
// cluster/redis/testdata/node (npm ci there; -node-modules points to
// them). From examples/:
//
//	go run ./bench/recovery -clients 50 -duration 30s
//
// It prints one line per scenario: the share of (client, message) pairs
// delivered, and how many clients got every message once and in order.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"
)

type config struct {
	clients  int
	duration time.Duration
	rate     int
	cut      time.Duration
	every    time.Duration
	nodeMods string
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-serve" {
		serveChild(os.Args[2:]) // a gosio server of the streams scenario
		return
	}
	var c config
	scenarios := flag.String("scenarios", "memory,streams,node", "scenarios to run: memory, streams, node")
	flag.IntVar(&c.clients, "clients", 50, "clients")
	flag.DurationVar(&c.duration, "duration", 30*time.Second, "how long the servers broadcast")
	flag.IntVar(&c.rate, "rate", 20, "broadcasts per second")
	flag.DurationVar(&c.cut, "cut", 2*time.Second, "how long a cut lasts")
	flag.DurationVar(&c.every, "every", 5*time.Second, "mean time between two cuts of one client")
	flag.StringVar(&c.nodeMods, "node-modules", "../cluster/redis/testdata/node/node_modules", "node_modules with socket.io and @socket.io/redis-streams-adapter")
	flag.Parse()
	if abs, err := filepath.Abs(c.nodeMods); err == nil {
		c.nodeMods = abs
	}
	fmt.Printf("%d clients, %s of broadcasts at %d/s, cuts of %s every %s on average\n\n",
		c.clients, c.duration, c.rate, c.cut, c.every)
	fmt.Printf("| %-56s | %9s | %13s | %5s | %9s | %10s |\n", "scenario", "delivered", "all, in order", "lost", "duplicate", "recovered")
	fmt.Printf("|%s|%s|%s|%s|%s|%s|\n", strings.Repeat("-", 58), strings.Repeat("-", 11), strings.Repeat("-", 15), strings.Repeat("-", 7), strings.Repeat("-", 11), strings.Repeat("-", 12))
	for _, s := range strings.Split(*scenarios, ",") {
		ctx, cancel := context.WithTimeout(context.Background(), c.duration+2*time.Minute)
		res, err := run(ctx, strings.TrimSpace(s), c)
		cancel()
		if err != nil {
			log.Printf("%s: %v", s, err)
			continue
		}
		fmt.Println(res.row())
	}
}
