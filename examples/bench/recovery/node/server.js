// The Node server of the recovery benchmark: socket.io 4.8 on
// @socket.io/redis-streams-adapter 0.3.1 with connection state recovery,
// and /broadcast?n=N as the gosio servers have it. Embedded in the Go
// program (node.go); NODE_PATH points to the packages.
"use strict";
const http = require("node:http");
const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-streams-adapter");
const { createClient } = require("redis");

async function main() {
  const redis = createClient({ url: process.env.REDIS_URL });
  redis.on("error", () => {});
  await redis.connect();
  let io;
  const httpServer = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname !== "/broadcast") return;
    // What io.emit does, awaited: the answer comes once the entry is in the
    // stream, so that the numbers are in the stream in order.
    const packet = { type: 2, data: ["m", Number(url.searchParams.get("n"))], nsp: "/" };
    await io.of("/").adapter.broadcast(packet, { rooms: new Set(), except: new Set(), flags: {} });
    res.end();
  });
  io = new Server(httpServer, { adapter: createAdapter(redis), connectionStateRecovery: {} });
  httpServer.listen(0, "127.0.0.1", () => {
    process.stdout.write("READY 127.0.0.1:" + httpServer.address().port + "\n");
  });
}
main().catch((e) => { process.stderr.write(String(e.stack || e) + "\n"); process.exit(1); });
