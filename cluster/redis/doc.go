// Package sioredis scales gosio out on Redis, wire-compatible with Node's
// @socket.io/redis-adapter 8, @socket.io/redis-streams-adapter 0.3,
// @socket.io/redis-emitter 5 and @socket.io/redis-streams-emitter: gosio
// and Node servers can share one cluster, and Node emitters reach gosio
// clients (and the other way round).
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	io := core.NewServer(&core.Options{
//		Adapter: sioredis.Factory(sioredis.NewGoRedis(rdb, nil), nil),
//	})
//
// Map of the package:
//
//   - [Client] is the small Redis interface everything uses (publish,
//     subscribe, subscriber counts, sharded pub/sub); [NewGoRedis] implements
//     it on github.com/redis/go-redis/v9, standalone or cluster, with
//     reconnection, resubscription and outage reporting (client_goredis*.go:
//     the client, its subscriptions, their receive loop, confirmation and
//     cluster slots).
//   - [Factory] builds the classic adapter ([Adapter], adapter.go), Node's
//     createAdapter; adapter_requests.go is its receiving side.
//   - [ShardedFactory] builds the Redis 7 sharded pub/sub adapter, Node's
//     createShardedAdapter (adapter_sharded*.go: the adapter, its
//     operations, room bookkeeping and receiving side).
//   - [StreamsFactory] builds the Redis Streams adapter ([StreamsAdapter]),
//     Node's @socket.io/redis-streams-adapter: broadcasts and room
//     operations in a stream that every server reads in order, requests
//     through pub/sub, and connection state recovery across servers, a
//     killed server included (adapter_streams.go, streams_reader.go: the
//     stream's reader; streams_recv.go: the receiving side;
//     streams_sessions.go: sessions in Redis and restores; streams_wire.go:
//     the formats). It needs a [StreamsClient] (client_streams.go), which
//     [NewGoRedis]'s client is (client_goredis_streams.go).
//   - [Emitter] publishes broadcasts and room operations from a Go process
//     that is not a Socket.IO server, as Node's redis-emitter does
//     (emitter.go); [StreamsEmitter] does it for the Streams adapter
//     (emitter_streams.go).
//   - wire.go holds the message layouts; msgpack.go and values.go convert Go
//     values to and from what Node servers exchange (MessagePack written
//     byte for byte as notepack.io does, JSON as JSON.stringify does).
//
// # Channels (prefix "socket.io", namespace "/")
//
//	socket.io#/#               broadcasts (PSUBSCRIBE socket.io#/#*)
//	socket.io#/#<room>#        broadcasts to exactly one room
//	socket.io-request#/#       requests; PUBSUB NUMSUB on it counts servers
//	socket.io-response#/#      answers
//	socket.io-response#/#<uid># answers for one server
//
// # Semantics to know
//
// Redis pub/sub stores nothing: a server that is disconnected from Redis
// misses what is published meanwhile, and connection state recovery is not
// available across servers with the classic and sharded adapters (the same
// as with Node's). The Streams adapter keeps broadcasts in a stream: a
// reader that lost Redis resumes after the last entry it handled, and a
// client recovers on any server.
// Values from other servers arrive as generic values (map[string]any,
// []any, string, float64 or int64, bool, nil, []byte). Values are
// converted with the JSON rules a client would see (json tags,
// MarshalJSON), so a struct emitted on one server reaches every client in
// the same shape.
package sioredis
