// Node's socket.io 4.8 as the reference server for the Go client's tests
// (client/node_test.go). It listens on a free loopback port and prints
// {"ready": true, "port": <port>} on stdout; the Go test drives it through
// events of its own clients:
//   "echo" (args..., ack)   acknowledges with the same arguments
//   "ping-me" (args...)     emits "pong" with the same arguments
//   "ask"                   asks the client "question" ("6*7?") with an
//                           ack, and emits "answer" with the reply
//   "kick"                  disconnects the socket (server side)
//   "broadcast" (v)         emits "news" v to the room "news"
//   "is-connected" (id, ack) acknowledges whether socket id is connected
// On connect every socket joins "news" (unless recovered) and gets "hello"
// with its handshake's auth, query and a header. "/private" refuses a
// socket whose auth has no token "secret", with data {hint: "log in"}.
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");

const httpServer = http.createServer();
const io = new Server(httpServer, {
  pingInterval: Number(process.env.PING_INTERVAL || 300),
  pingTimeout: Number(process.env.PING_TIMEOUT || 300),
  maxHttpBufferSize: 1e6,
  connectionStateRecovery: { maxDisconnectionDuration: 60000, skipMiddlewares: true },
});

function setup(socket) {
  if (!socket.recovered) socket.join("news");
  socket.emit("hello", {
    auth: socket.handshake.auth,
    query: socket.handshake.query.room || null,
    header: socket.handshake.headers["x-token"] || null,
    recovered: socket.recovered,
  });
  socket.on("echo", (...args) => {
    const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
    if (ack) ack(...args);
  });
  socket.on("ping-me", (...args) => socket.emit("pong", ...args));
  socket.on("ask", async () => {
    try {
      const answer = await socket.timeout(5000).emitWithAck("question", "6*7?");
      socket.emit("answer", answer);
    } catch (err) {
      socket.emit("answer", "error: " + err.message);
    }
  });
  socket.on("kick", () => socket.disconnect());
  socket.on("broadcast", (v) => io.to("news").emit("news", v));
  socket.on("is-connected", (id, ack) => ack(io.of("/").sockets.has(id)));
}

io.on("connection", setup);
io.of("/custom").on("connection", setup);
io.of("/private")
  .use((socket, next) => {
    if (socket.handshake.auth && socket.handshake.auth.token === "secret") return next();
    const err = new Error("unauthorized");
    err.data = { hint: "log in" };
    next(err);
  })
  .on("connection", setup);

httpServer.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ ready: true, port: httpServer.address().port }) + "\n");
});

// The Go test closes stdin to stop the server.
process.stdin.resume();
process.stdin.on("end", () => {
  io.close();
  process.exit(0);
});
