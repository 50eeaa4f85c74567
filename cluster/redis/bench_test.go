package sioredis_test

import (
	"context"
	"testing"
	"time"

	"github.com/gosio/gosio/core/parser"
)

// benchCluster starts 3 nodes on one redis-server with one client on each.
func benchCluster(b *testing.B) ([]*node, []*sioClient) {
	b.Helper()
	r := startRedis(b)
	var nodes []*node
	var clients []*sioClient
	for i := 0; i < 3; i++ {
		n := newNode(b, r.Addr, nodeConfig{})
		nodes = append(nodes, n)
		clients = append(clients, dial(b, n.URL, "/", nil))
	}
	return nodes, clients
}

// BenchmarkClusterBroadcast measures cross-node broadcast throughput: node
// 0 emits b.N events to every socket of a 3-node cluster; the benchmark
// ends when the clients on nodes 1 and 2 have received them all.
func BenchmarkClusterBroadcast(b *testing.B) {
	nodes, clients := benchCluster(b)
	done := make(chan struct{}, 2)
	for _, c := range clients[1:] {
		go func() {
			for i := 0; i < b.N; i++ {
				select {
				case <-c.events:
				case <-time.After(30 * time.Second):
					b.Error("events lost")
					done <- struct{}{}
					return
				}
			}
			done <- struct{}{}
		}()
	}
	drain(clients[0]) // the local client gets them too
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := nodes[0].IO.Emit("bench", i, "payload"); err != nil {
			b.Fatal(err)
		}
	}
	<-done
	<-done
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkClusterBroadcastLatency measures the time from Emit on node 0
// to reception by a client of node 1, one event at a time.
func BenchmarkClusterBroadcastLatency(b *testing.B) {
	nodes, clients := benchCluster(b)
	drain(clients[0])
	drain(clients[2])
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := nodes[0].IO.Emit("bench", i); err != nil {
			b.Fatal(err)
		}
		select {
		case <-clients[1].events:
		case <-time.After(10 * time.Second):
			b.Fatal("event lost")
		}
	}
}

// drain discards a client's events until it is closed.
func drain(c *sioClient) {
	go func() {
		for {
			select {
			case <-c.events:
			case <-c.closed:
				return
			}
		}
	}()
}

// BenchmarkClusterBroadcastWithAck measures a broadcast with
// acknowledgements from the 3 clients of a 3-node cluster.
func BenchmarkClusterBroadcastWithAck(b *testing.B) {
	nodes, clients := benchCluster(b)
	for _, c := range clients {
		c.OnAck(func(*parser.Packet) []any { return []any{1} })
		drain(c)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		acks, err := nodes[0].IO.Timeout(5*time.Second).EmitWithAck(context.Background(), "bench", i)
		if err != nil || len(acks) != 3 {
			b.Fatalf("%v, %d acks", err, len(acks))
		}
	}
}
