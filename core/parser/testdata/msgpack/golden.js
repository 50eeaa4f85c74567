// Prints the golden vectors of gosio's MessagePack parser (golden.json),
// made with the real socket.io-msgpack-parser and notepack.io:
//
//   npm ci && node golden.js > golden.json
//
// "encode": packets as a Node socket.io server builds them (keys in its
// order: type, data, id, nsp; an ACK starts with its id), with the bytes the
// parser sends. The Go test builds the same packets under the same names and
// must write the same bytes.
//
// "decode": packets as socket.io-client builds them (with its "options" key
// and an undefined CONNECT payload), their bytes, and what Node's decoder
// makes of them, in the shape gosio's decoder returns: the payload as JSON
// with each binary value a placeholder {"_placeholder":true,"num":N}
// indexing "attachments" (hex).
//
// "reject": bytes Node's decoder refuses; gosio's must refuse them too.
"use strict";
const { Encoder, Decoder } = require("socket.io-msgpack-parser");

const hex = (b) => Buffer.from(b).toString("hex");
const encode = (p) => {
  const out = new Encoder().encode(p);
  if (out.length !== 1) throw new Error("one message expected");
  return hex(out[0]);
};

const ints = [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32,
  2 ** 53 - 1, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31),
  -(2 ** 31) - 1, -(2 ** 53 - 1)];
// Integral values of 2^64 and more are left out: notepack.io writes them as
// a wrong uint 64 (gosio writes a float 64).
const floats = [1.5, -0.25, 0.1, 2 ** 62, -(2 ** 62), 1e-7, -0, 3.0, NaN,
  Infinity, -Infinity];
const keys16 = {};
for (let i = 0; i < 16; i++) keys16["k" + String(i).padStart(2, "0")] = i;

const encodeCases = [
  ["connect", { type: 0, data: { sid: "Ab-_1" }, nsp: "/" }],
  ["connect_nsp", { type: 0, data: { pid: "p", sid: "s" }, nsp: "/admin" }],
  ["connect_no_data", { type: 0, nsp: "/" }],
  ["disconnect", { type: 1, nsp: "/admin" }],
  ["event", { type: 2, data: ["hello", "world"], nsp: "/" }],
  ["event_id", { type: 2, data: ["ev", { a: 1, b: [true, false, null] }], id: 7, nsp: "/" }],
  ["event_big_id", { type: 2, data: ["ev"], id: 2 ** 53 - 1, nsp: "/a,b" }],
  ["ack", { id: 300, type: 3, data: ["ok", 2], nsp: "/custom" }],
  ["ack_empty", { id: 0, type: 3, data: [], nsp: "/" }],
  ["connect_error", { type: 4, data: { message: "not authorized", data: { code: 42 } }, nsp: "/" }],
  ["connect_error_string", { type: 4, data: "Invalid namespace", nsp: "/nope" }],
  ["ints", { type: 2, data: ["ints", ...ints], nsp: "/" }],
  ["floats", { type: 2, data: ["floats", ...floats], nsp: "/" }],
  ["binary", { type: 2, data: ["bin", Buffer.from([1, 2, 3]), { x: Buffer.alloc(300, 7) }, Buffer.alloc(0)], nsp: "/" }],
  ["binary_ack", { id: 1, type: 3, data: [Buffer.from("hi")], nsp: "/" }],
  ["bin16", { type: 2, data: ["b", Buffer.alloc(65536, 1)], nsp: "/" }],
  ["strings", { type: 2, data: ["s", "", "a".repeat(31), "b".repeat(32), "c".repeat(255), "d".repeat(256), "é✓😀\u0000\n\"\\"], nsp: "/" }],
  ["str32", { type: 2, data: ["s", "e".repeat(65536)], nsp: "/" }],
  ["array16", { type: 2, data: ["a", [...Array(16).keys()], [...Array(65536).keys()].map(() => 0)], nsp: "/" }],
  ["map16", { type: 2, data: ["m", keys16, {}], nsp: "/" }],
  ["nested", { type: 2, data: ["n", [[[[{ deep: [1, { deeper: "yes" }] }]]]]], nsp: "/" }],
];

const decodeCases = [
  // socket.io-client 4.8: what Socket.onopen sends without auth
  ["client_connect", { type: 0, data: undefined, nsp: "/" }],
  ["client_connect_auth", { type: 0, data: { token: "abc", n: 1 }, nsp: "/custom" }],
  ["client_connect_recover", { type: 0, data: Object.assign({ pid: "xyz", offset: "0-1" }, { token: "t" }), nsp: "/" }],
  ["client_event", { type: 2, data: ["message", "hi", 1, 1.5, true, null], options: { compress: true }, nsp: "/" }],
  ["client_event_ack", { type: 2, data: ["message-with-ack", { a: [1, 2] }], options: { compress: true }, id: 0, nsp: "/" }],
  ["client_ack", { type: 3, nsp: "/", id: 12, data: ["answer", { ok: true }] }],
  ["client_disconnect", { type: 1, nsp: "/custom" }],
  ["client_binary", { type: 2, data: ["bin", Buffer.from([0, 255]), { nested: [Buffer.from("xyz")] }], options: { compress: true }, nsp: "/" }],
  ["client_arraybuffer", { type: 2, data: ["ab", new Uint8Array([9, 8, 7]).buffer, new ArrayBuffer(0)], nsp: "/" }],
  ["client_date", { type: 2, data: ["date", new Date(Date.UTC(2024, 1, 29, 23, 59, 58, 7)), new Date(-1)], nsp: "/" }],
  ["client_undefined", { type: 2, data: ["u", undefined, { a: undefined, b: 1 }, [undefined]], nsp: "/" }],
  ["client_nonfinite", { type: 2, data: ["f", NaN, Infinity, -Infinity, -0], nsp: "/" }],
  ["client_numbers", { type: 2, data: ["n", ...ints, 0.1, 2 ** 62, 1e-7], nsp: "/" }],
  ["client_strings", { type: 2, data: ["s", "é✓😀", "\u0000\u001f\"\\/", "a".repeat(300)], nsp: "/" }],
  ["client_undefined_id", { type: 2, data: ["x"], id: undefined, nsp: "/" }],
  ["client_map16", { type: 2, data: ["m", keys16], nsp: "/" }],
];

// Bytes Node's decoder refuses.
const fixmap = (n) => (0x80 | n).toString(16);
const str = (s) => hex(Buffer.concat([Buffer.from([0xa0 | s.length]), Buffer.from(s)]));
const kv = (k, v) => str(k) + v;
const rejectCases = [
  ["empty", ""],
  ["not_a_map", "93010203"],
  ["no_type", fixmap(2) + kv("nsp", str("/")) + kv("data", "91" + str("e"))],
  ["type_5", fixmap(3) + kv("type", "05") + kv("nsp", str("/")) + kv("data", "91" + str("e"))],
  ["type_6", fixmap(4) + kv("type", "06") + kv("nsp", str("/")) + kv("data", "90") + kv("id", "01")],
  ["type_negative", fixmap(2) + kv("type", "ff") + kv("nsp", str("/"))],
  ["type_string", fixmap(2) + kv("type", str("2")) + kv("nsp", str("/"))],
  ["type_fraction", fixmap(2) + kv("type", "cb3ff8000000000000") + kv("nsp", str("/"))],
  ["no_nsp", fixmap(2) + kv("type", "02") + kv("data", "91" + str("e"))],
  ["nsp_number", fixmap(3) + kv("type", "02") + kv("nsp", "01") + kv("data", "91" + str("e"))],
  ["event_not_array", fixmap(3) + kv("type", "02") + kv("nsp", str("/")) + kv("data", str("e"))],
  ["event_no_data", fixmap(2) + kv("type", "02") + kv("nsp", str("/"))],
  ["connect_array", fixmap(3) + kv("type", "00") + kv("nsp", str("/")) + kv("data", "90")],
  ["connect_null", fixmap(3) + kv("type", "00") + kv("nsp", str("/")) + kv("data", "c0")],
  ["disconnect_data", fixmap(3) + kv("type", "01") + kv("nsp", str("/")) + kv("data", "80")],
  ["connect_error_number", fixmap(3) + kv("type", "04") + kv("nsp", str("/")) + kv("data", "01")],
  ["id_string", fixmap(4) + kv("type", "02") + kv("nsp", str("/")) + kv("data", "91" + str("e")) + kv("id", str("1"))],
  ["id_fraction", fixmap(4) + kv("type", "02") + kv("nsp", str("/")) + kv("data", "91" + str("e")) + kv("id", "cb3ff8000000000000")],
  ["id_null", fixmap(4) + kv("type", "02") + kv("nsp", str("/")) + kv("data", "91" + str("e")) + kv("id", "c0")],
  ["trailing", fixmap(2) + kv("type", "01") + kv("nsp", str("/")) + "00"],
  ["truncated", fixmap(2) + kv("type", "01") + "a3" + "2f"],
  ["prefix_c1", fixmap(3) + kv("type", "02") + kv("nsp", str("/")) + kv("data", "92" + str("e") + "c1")],
  ["map_truncated", "df7fffffff"],
  ["array_truncated", fixmap(3) + kv("type", "02") + kv("nsp", str("/")) + kv("data", "dd7fffffff")],
  ["str_truncated", fixmap(2) + kv("type", "01") + kv("nsp", "db7fffffff2f")],
];

// shape converts what Node decoded into gosio's shape: binary values become
// placeholders, collected in atts.
function shape(v, atts) {
  if (Buffer.isBuffer(v) || v instanceof ArrayBuffer) {
    atts.push(hex(Buffer.from(v instanceof ArrayBuffer ? new Uint8Array(v) : v)));
    return { _placeholder: true, num: atts.length - 1 };
  }
  if (Array.isArray(v)) return v.map((e) => shape(e, atts));
  if (v instanceof Date) return v;
  if (v && typeof v === "object") {
    const o = {};
    for (const k of Object.keys(v)) o[k] = shape(v[k], atts);
    return o;
  }
  return v;
}

function decode(bytes) {
  const d = new Decoder();
  let got;
  d.on("decoded", (p) => (got = p));
  d.add(bytes);
  return got;
}

const out = { encode: [], decode: [], reject: [] };
// A long encoding is kept as its first bytes, length and SHA-256.
const crypto = require("crypto");
for (const [name, p] of encodeCases) {
  const h = encode(p);
  if (h.length <= 4096) {
    out.encode.push({ name, hex: h });
    continue;
  }
  const sha256 = crypto.createHash("sha256").update(Buffer.from(h, "hex")).digest("hex");
  out.encode.push({ name, prefix: h.slice(0, 64), length: h.length / 2, sha256 });
}
for (const [name, p] of decodeCases) {
  const h = encode(p);
  const got = decode(Buffer.from(h, "hex"));
  const atts = [];
  const v = { name, hex: h, type: got.type, nsp: got.nsp };
  if (got.id !== undefined) v.id = got.id;
  if (got.data !== undefined) v.data = JSON.stringify(shape(got.data, atts));
  v.attachments = atts;
  out.decode.push(v);
}
for (const [name, h] of rejectCases) {
  let refused = false;
  try {
    decode(Buffer.from(h, "hex"));
  } catch (e) {
    refused = true;
  }
  if (!refused) throw new Error("Node accepts reject case " + name);
  out.reject.push({ name, hex: h });
}
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
