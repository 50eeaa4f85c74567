// Node side of the mixed Go/Node cluster tests (cluster/redis/interop_test.go).
//
// It runs a socket.io server on the classic Redis adapter (the sharded one
// with $ADAPTER=sharded, @socket.io/redis-streams-adapter with
// $ADAPTER=streams; $RECOVERY=1 turns connection state recovery on), joined
// to the
// Redis at $REDIS_URL, and drives socket.io-client clients and a
// @socket.io/redis-emitter for the Go test. The Go test writes one JSON
// command per line on stdin; each answer is one JSON line on stdout:
// {"id": <command id>, "ok": <result>} or {"id": ..., "error": "..."}.
// The first line printed is {"ready": true, "port": <server port>}.
"use strict";

const http = require("node:http");
const readline = require("node:readline");
const { Server } = require("socket.io");
const { io: connect } = require("socket.io-client");
const { createAdapter, createShardedAdapter } = require("@socket.io/redis-adapter");
const { Emitter } = require("@socket.io/redis-emitter");
const { createAdapter: createStreamsAdapter } = require("@socket.io/redis-streams-adapter");
const { createClient } = require("redis");

const NAME = "node-js";
const url = process.env.REDIS_URL;

// Buffers travel to the Go test as {"$bin": [bytes]}.
function plain(v) {
  if (Buffer.isBuffer(v) || v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
    return { $bin: [...Buffer.from(v.buffer ? v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) : v)] };
  }
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object" && !(v instanceof Date)) {
    const out = {};
    for (const k of Object.keys(v)) out[k] = plain(v[k]);
    return out;
  }
  return v;
}

// And back: {"$bin": [...]} from the Go test becomes a Buffer.
function revive(v) {
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === "object") {
    if (Array.isArray(v.$bin)) return Buffer.from(v.$bin);
    const out = {};
    for (const k of Object.keys(v)) out[k] = revive(v[k]);
    return out;
  }
  return v;
}

async function main() {
  const pub = createClient({ url });
  const sub = pub.duplicate();
  const emitterClient = pub.duplicate();
  for (const c of [pub, sub, emitterClient]) c.on("error", (e) => process.stderr.write(`redis: ${e}\n`));
  await Promise.all([pub.connect(), sub.connect(), emitterClient.connect()]);

  const httpServer = http.createServer();
  // $ADAPTER=sharded uses createShardedAdapter with $MODE (dynamic by default).
  let adapter;
  if (process.env.ADAPTER === "sharded") {
    adapter = createShardedAdapter(pub, sub, { subscriptionMode: process.env.MODE || "dynamic" });
  } else if (process.env.ADAPTER === "streams") {
    adapter = createStreamsAdapter(pub, { blockTimeInMs: 200 });
  } else {
    adapter = createAdapter(pub, sub, { requestsTimeout: 3000 });
  }
  const opts = { adapter };
  if (process.env.RECOVERY === "1") {
    opts.connectionStateRecovery = { maxDisconnectionDuration: 20000 };
  }
  const io = new Server(httpServer, opts);
  const emitter = new Emitter(emitterClient);
  const serverSide = [];

  io.on("connection", (socket) => {
    if (!socket.recovered) { // a recovered socket has its rooms and data back
      const rooms = (socket.handshake.auth && socket.handshake.auth.rooms) || [];
      socket.join(rooms);
      socket.data = { node: NAME };
    }
    socket.on("relay", (...args) => socket.broadcast.emit("relayed", ...args));
  });
  io.on("hello", (...args) => {
    const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
    serverSide.push(plain(args));
    if (ack) ack("pong-" + NAME);
  });

  await new Promise((resolve) => httpServer.listen(0, "127.0.0.1", resolve));

  const clients = new Map(); // name -> {socket, events: []}

  const commands = {
    async connect({ name, url: target, auth }) {
      const socket = connect(target, { transports: ["websocket"], auth: auth || {}, reconnection: false, forceNew: true });
      const rec = { socket, events: [], disconnected: false };
      socket.onAny((event, ...args) => {
        const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
        rec.events.push({ event, args: plain(args) });
        if (ack) ack("ack-" + socket.id);
      });
      socket.on("disconnect", () => { rec.disconnected = true; });
      clients.set(name, rec);
      await new Promise((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("connect_error", reject);
      });
      return { sid: socket.id };
    },
    async events({ name }) {
      const rec = clients.get(name);
      const out = rec.events;
      rec.events = [];
      return { events: out, disconnected: rec.disconnected };
    },
    async clientEmit({ name, event, args }) {
      clients.get(name).socket.emit(event, ...revive(args || []));
      return {};
    },
    async emit({ rooms, except, event, args, volatile }) {
      let op = io.to(rooms || []).except(except || []);
      if (volatile) op = op.volatile;
      op.emit(event, ...revive(args || []));
      return {};
    },
    async emitWithAck({ rooms, event, args, timeout }) {
      try {
        const responses = await io.to(rooms || []).timeout(timeout).emitWithAck(event, ...revive(args || []));
        return { responses: plain(responses) };
      } catch (e) {
        return { error: String(e && e.message) };
      }
    },
    async fetchSockets({ rooms }) {
      const sockets = await io.in(rooms || []).fetchSockets();
      return {
        sockets: sockets.map((s) => ({
          id: s.id, rooms: [...s.rooms], data: s.data, auth: s.handshake.auth, query: s.handshake.query,
          host: s.handshake.headers.host, address: s.handshake.address,
        })),
      };
    },
    async socketsJoin({ rooms, join }) { io.in(rooms || []).socketsJoin(join); return {}; },
    async socketsLeave({ rooms, leave }) { io.in(rooms || []).socketsLeave(leave); return {}; },
    async disconnectSockets({ rooms, close }) { io.in(rooms || []).disconnectSockets(!!close); return {}; },
    async serverSideEmitWithAck({ event, args }) {
      try {
        const replies = await io.serverSideEmitWithAck(event, ...revive(args || []));
        return { replies: plain(replies) };
      } catch (e) {
        return { error: String(e && e.message) };
      }
    },
    async serverSideEmit({ event, args }) { io.serverSideEmit(event, ...revive(args || [])); return {}; },
    async serverSide() { const out = serverSide.splice(0); return { events: out }; },
    async serverCount() { return { count: await io.of("/").adapter.serverCount() }; },
    async allRooms() { return { rooms: [...(await io.of("/").adapter.allRooms())] }; },
    async emitter({ nsp, rooms, except, event, args }) {
      let op = emitter.of(nsp || "/");
      if (rooms && rooms.length) op = op.to(rooms);
      if (except && except.length) op = op.except(except);
      op.emit(event, ...revive(args || []));
      return {};
    },
    async emitterJoin({ rooms, join }) { emitter.in(rooms || []).socketsJoin(join); return {}; },
    async close() {
      for (const { socket } of clients.values()) socket.close();
      io.close();
      await Promise.all([pub.quit(), sub.quit(), emitterClient.quit()]).catch(() => {});
      setTimeout(() => process.exit(0), 50);
      return {};
    },
  };

  const rl = readline.createInterface({ input: process.stdin });
  rl.on("line", async (line) => {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch (e) {
      return;
    }
    try {
      const ok = await commands[msg.cmd](msg);
      process.stdout.write(JSON.stringify({ id: msg.id, ok }) + "\n");
    } catch (e) {
      process.stdout.write(JSON.stringify({ id: msg.id, error: String((e && e.message) || e) }) + "\n");
    }
  });
  rl.on("close", () => process.exit(0));
  process.stdout.write(JSON.stringify({ ready: true, port: httpServer.address().port }) + "\n");
}

main().catch((e) => {
  process.stderr.write(String((e && e.stack) || e) + "\n");
  process.exit(1);
});
