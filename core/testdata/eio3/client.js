// The socket.io-client side of core/eio3_node_test.go. Usage:
//   node client.js full URL TRANSPORTS [b64]   socket.io-client 2.5.0, every step
//   node client.js room VERSION URL ROOM        2 or 4: join ROOM, print "news"
// It prints one JSON object per line ({"step": ...}); Buffers as {"bin": base64}.
"use strict";
const io2 = require("socket.io-client");
const io4 = require("socket.io-client-v4");

const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const enc = (v) => {
  if (Buffer.isBuffer(v) || v instanceof ArrayBuffer) return { bin: Buffer.from(v).toString("base64") };
  if (Array.isArray(v)) return v.map(enc);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, enc(x)]));
  return v;
};
const once = (em, ev) => new Promise((resolve) => em.once(ev, (...a) => resolve(a)));
setTimeout(() => { out({ step: "timeout" }); process.exit(2); }, 20000).unref();

async function full(url, transports, b64) {
  const s = io2(url, {
    transports, forceNew: true, forceBase64: b64, query: { token: "t1" },
    reconnectionDelay: 50, reconnectionDelayMax: 100,
  });
  s.on("error", (e) => out({ step: "error", err: enc(e) }));
  await once(s, "connect");
  out({ step: "connect", id: s.id, transport: s.io.engine.transport.name });
  if (transports.length > 1 && s.io.engine.transport.name !== "websocket") {
    await once(s.io.engine, "upgrade");
    out({ step: "upgrade", transport: s.io.engine.transport.name });
  }

  const [echoed] = await new Promise((r) => s.emit("echo", "hé €😀", Buffer.from([1, 2, 3]), { n: 1, b: Buffer.from([4]) }, (...a) => r([a])));
  out({ step: "echo", args: enc(echoed) });

  s.on("question", (n, cb) => cb(n * 2));
  const [answer] = await new Promise((r) => s.emit("ping-me", (...a) => r(a)));
  out({ step: "ask", answer });

  const shouted = once(s, "shouted");
  await new Promise((r) => s.emit("join", "r1", r));
  s.emit("shout", "r1", "hello");
  out({ step: "room", args: enc(await shouted) });

  const c = s.io.socket("/custom", { query: { token: "abc", x: "1" } });
  const [auth] = await once(c, "auth");
  out({ step: "custom", auth, id: c.id });

  const p = s.io.socket("/private");
  const [perr] = await once(p, "error");
  out({ step: "private", err: enc(perr) });

  const first = s.id;
  out({ step: "ready" }); // the test cuts every connection now
  await once(s, "reconnect");
  if (!s.connected) await once(s, "connect");
  out({ step: "reconnected", id: s.id, changed: s.id !== first });
  const [again] = await new Promise((r) => s.emit("echo", "again", (...a) => r([a])));
  out({ step: "echo-again", args: enc(again) });
  s.close();
  out({ step: "done" });
}

async function room(version, url, name) {
  const s = (version === "2" ? io2 : io4)(url, { forceNew: true, reconnection: false });
  await once(s, "connect");
  const news = once(s, "news");
  await new Promise((r) => s.emit("join", name, r));
  out({ step: "joined", id: s.id });
  out({ step: "news", args: enc(await news) });
  s.close();
  out({ step: "done" });
}

const [mode, ...args] = process.argv.slice(2);
(mode === "full"
  ? full(args[0], args[1].split(","), args[2] === "b64")
  : room(args[0], args[1], args[2])
).then(() => process.exit(0), (e) => { out({ step: "fail", err: String(e) }); process.exit(1); });
