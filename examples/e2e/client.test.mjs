// client.test.mjs: the real socket.io-client (Node) against gosio. Run by
// client_test.go once per integration and transport (E2E_TRANSPORT), with
// the servers' URLs in E2E_SERVERS. Cases run one after the other: some cut
// every connection of a server.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import msgpackParser from 'socket.io-msgpack-parser';
import ioV2 from 'socket.io-client-v2';
import {
  call,
  callAll,
  client,
  closeAll,
  connected,
  finalTransport,
  manager,
  norm,
  once,
  sequenceReport,
  servers,
  track,
  transportOpts,
  uniq,
  upgraded,
} from './lib.mjs';

afterEach(closeAll);

const T = { timeout: 30_000 };
const limit = Number(process.env.E2E_MAX_BUFFER || 1e6);
const transportLoss = ['transport close', 'transport error'];

test('connect with an auth payload and get it back', T, async () => {
  const auth = { token: 'abc', n: 1, nested: { list: [1, 'two', null, true] }, text: 'héllo ✓ 😀' };
  const s = client('/', { auth });
  const echoed = once(s, 'auth');
  await connected(s);
  assert.deepEqual((await echoed)[0], auth, 'the server emits the CONNECT payload back');
  await upgraded(s);
  const me = await call(s, 'whoami');
  assert.equal(me.id, s.id);
  assert.equal(me.nsp, '/');
  assert.equal(me.connId, s.io.engine.id);
  assert.deepEqual(me.auth, auth);
  assert.equal(me.transport, finalTransport());
  assert.equal(s.io.engine.transport.name, finalTransport());
});

test('many arguments with binary, both ways', T, async () => {
  const s = client();
  await connected(s);
  await upgraded(s);
  const args = [
    's',
    1,
    2.5,
    true,
    null,
    { a: [1, { b: Buffer.from([1, 2, 3]) }], c: 'd' },
    [Buffer.from('xyz'), 'x', []],
    Buffer.alloc(0),
    Buffer.from([255]),
    {},
  ];
  assert.deepEqual(norm(await callAll(s, 'echo', ...args)), norm(args), 'echoed arguments');

  const back = once(s, 'bin-back');
  const payload = {
    name: 'blobs',
    blob: Buffer.from([0, 1, 2, 253, 254, 255]),
    nested: { parts: [Buffer.from('part-0'), Buffer.alloc(1000, 7)], deep: { b: Buffer.alloc(0) } },
  };
  const res = await call(s, 'bin', payload);
  assert.deepEqual(norm(res), norm({ reversed: Buffer.from([255, 254, 253, 2, 1, 0]), sizes: [6, 1000] }), 'typed ack');
  assert.deepEqual(
    norm(await back),
    norm([
      Buffer.from([9, 8, 7]),
      { x: Buffer.from('xx'), list: [Buffer.from([1]), 's', 1.5, { y: Buffer.from([2, 2]) }] },
      'text',
      42,
      null,
      true,
      [],
    ]),
    'bin-back arguments',
  );
});

test('acknowledgements both ways, with timeouts', T, async () => {
  const s = client();
  s.on('double', (n, cb) => cb(n * 2));
  s.on('ignore', () => {});
  await connected(s);
  await upgraded(s);
  assert.deepEqual(await callAll(s, 'echo', 1, 'a', { b: 2 }), [1, 'a', { b: 2 }]);
  assert.equal(await call(s, 'divide', { a: 1, b: 4 }), 0.25);
  assert.deepEqual(await call(s, 'divide', { a: 1, b: 0 }), { error: 'division by zero' }, 'a Go error acks {error}');
  await assert.rejects(s.timeout(200).emitWithAck('never-ack', 1), /operation has timed out/);
  assert.deepEqual(await call(s, 'ask', { event: 'double', arg: 21, timeoutMs: 5000 }), { ok: true, reply: [42] });
  const late = await call(s, 'ask', { event: 'ignore', arg: 1, timeoutMs: 200 });
  assert.equal(late.ok, false, JSON.stringify(late));
  assert.equal(late.timeout, true, JSON.stringify(late));
  assert.deepEqual(await callAll(s, 'echo', 'still fine'), ['still fine']);
});

test('multiplexed namespaces on one connection, dynamic namespaces', T, async () => {
  const m = manager();
  const names = ['/', '/admin', '/chat', '/dyn-7', '/dyn-8'];
  const socks = names.map((n) => m.socket(n));
  const hellos = [once(socks[3], 'hello'), once(socks[4], 'hello')];
  await Promise.all(socks.map((s) => connected(s)));
  await upgraded(socks[0]);
  const infos = await Promise.all(socks.map((s) => call(s, 'whoami')));
  infos.forEach((me, i) => {
    assert.equal(me.nsp, names[i]);
    assert.equal(me.id, socks[i].id);
    assert.equal(me.connId, m.engine.id, `${names[i]} shares the connection`);
  });
  assert.equal(new Set(infos.map((me) => me.id)).size, names.length, 'one socket id per namespace');
  assert.deepEqual((await hellos[0])[0], '/dyn-7');
  assert.deepEqual((await hellos[1])[0], '/dyn-8');

  const bad = m.socket('/dyn-x');
  const [err] = await once(bad, 'connect_error');
  assert.equal(err.message, 'Invalid namespace');

  const got7 = once(socks[3], 'dyn-hello');
  const got8 = once(socks[4], 'dyn-hello');
  assert.equal(await call(socks[3], 'dyn-all', 'hi all'), true);
  assert.deepEqual(await got7, ['hi all', '/dyn-7'], 'a broadcast on the parent reaches every child');
  assert.deepEqual(await got8, ['hi all', '/dyn-7']);
});

test('connect middleware refusal gives connect_error with message and data', T, async () => {
  const bad = client('/guarded', { auth: { token: 'nope' }, query: { user: 'alice' } });
  const [err] = await once(bad, 'connect_error');
  assert.equal(err.message, 'not authorized');
  assert.deepEqual(err.data, { code: 4010, got: 'nope' });
  assert.equal(bad.connected, false);
  assert.equal(bad.active, false, 'a refused socket does not retry');

  const good = client('/guarded', { auth: { token: 'let-me-in' }, query: { user: 'alice' } });
  await connected(good);
  const me = await call(good, 'whoami');
  assert.equal(me.nsp, '/guarded');
  assert.equal(me.user, 'u:alice');

  const anon = client('/guarded', { auth: { token: 'let-me-in' } });
  const [err2] = await once(anon, 'connect_error');
  assert.equal(err2.message, 'no user value in the connect middleware');
  assert.equal(err2.data, undefined);
});

test('values of the app HTTP middleware reach handlers; its 401 is a connect_error', T, async () => {
  const s = client('/', { query: { user: 'alice' } });
  await connected(s);
  await upgraded(s);
  const me = await call(s, 'whoami');
  assert.equal(me.query, 'alice');
  assert.equal(me.hasUser, true);
  assert.equal(me.user, 'u:alice', 'event handler');

  const anon = client('/');
  await connected(anon);
  const them = await call(anon, 'whoami');
  assert.equal(them.hasUser, false);

  const id = s.id;
  s.disconnect();
  assert.deepEqual(await call(anon, 'reason-of', { id }), { reason: 'client namespace disconnect', user: 'u:alice' }, 'disconnect handler');

  const refused = client('/', { query: { user: 'mallory' }, reconnection: false });
  const [err] = await once(refused, 'connect_error');
  assert.match(err.message, /xhr poll error|websocket error/);
  const detail = typeof err.description === 'number' ? String(err.description) : String(err.description?.message ?? err.description);
  assert.match(detail, /401/, 'the 401 of the middleware');
});

test('client disconnect: the server sees client namespace disconnect', T, async () => {
  const m = manager();
  const a = m.socket('/');
  const b = m.socket('/admin');
  await Promise.all([connected(a), connected(b)]);
  const id = b.id;
  b.disconnect();
  assert.deepEqual(await call(a, 'reason-of', { id }), { reason: 'client namespace disconnect', user: '' });
  assert.deepEqual(await callAll(a, 'echo', 'other namespace still up'), ['other namespace still up']);
  const ida = a.id;
  const probe = client('/');
  await connected(probe);
  a.disconnect();
  assert.equal((await call(probe, 'reason-of', { id: ida })).reason, 'client namespace disconnect');
});

test('server disconnect of a socket: io server disconnect, no reconnection', T, async () => {
  const s = client();
  const probe = client();
  await Promise.all([connected(s), connected(probe)]);
  await upgraded(s);
  const id = s.id;
  const gone = once(s, 'disconnect');
  s.emit('kick', { close: false });
  assert.equal((await gone)[0], 'io server disconnect');
  assert.equal(s.active, false, 'the client does not reconnect');
  assert.equal((await call(probe, 'reason-of', { id })).reason, 'server namespace disconnect');
});

test('server disconnect with close: every namespace gets io server disconnect', T, async () => {
  const probe = client();
  const s = client();
  await Promise.all([connected(probe), connected(s)]);
  await upgraded(s);
  const id = s.id;
  const gone = once(s, 'disconnect');
  s.emit('kick', { close: true });
  assert.equal((await gone)[0], 'io server disconnect', 'one namespace, connection closed');
  assert.equal(s.active, false);
  assert.equal((await call(probe, 'reason-of', { id })).reason, 'server namespace disconnect');

  const m = manager();
  const a = m.socket('/');
  const b = m.socket('/admin');
  await Promise.all([connected(a), connected(b)]);
  const [ida, idb] = [a.id, b.id];
  const ga = once(a, 'disconnect');
  const gb = once(b, 'disconnect');
  // The kick may land while the connection upgrades: the Engine.IO
  // connection must still end promptly (not by a ping timeout).
  const gone2 = once(m.engine, 'close');
  a.emit('kick', { close: true });
  assert.equal((await ga)[0], 'io server disconnect');
  assert.equal((await gb)[0], 'io server disconnect');
  assert.equal(a.active || b.active, false);
  await gone2;
  assert.equal((await call(probe, 'reason-of', { id: ida })).reason, 'server namespace disconnect');
  assert.equal((await call(probe, 'reason-of', { id: idb })).reason, 'server namespace disconnect');
});

test('rooms and broadcasts with several clients', T, async () => {
  const socks = [0, 1, 2, 3].map((i) => client('/', { auth: { i } }));
  await Promise.all(socks.map((s) => connected(s)));
  const [A, B, C, D] = socks;
  const inbox = socks.map(() => []);
  socks.forEach((s, i) => s.on('b', (label) => inbox[i].push(label)));
  const r1 = uniq('r1');
  const r2 = uniq('r2');
  assert.deepEqual(await call(A, 'join', { rooms: [r1] }), [A.id, r1].sort());
  assert.deepEqual(await call(B, 'join', { rooms: [r1, r2] }), [B.id, r1, r2].sort());
  assert.deepEqual(await call(C, 'join', { rooms: [r2] }), [C.id, r2].sort());

  // round broadcasts through sender and returns who got it: an ack on
  // each connection comes after every packet queued before it, so once the
  // acks are in, the broadcast has been received.
  async function round(sender, req) {
    inbox.forEach((box) => (box.length = 0));
    assert.equal(await call(sender, 'bcast', { ...req, event: 'b', arg: 'x' }), true);
    await Promise.all(socks.map((s) => call(s, 'echo', 'fence')));
    return inbox.map((box, i) => 'ABCD'[i].repeat(box.length)).join('');
  }
  assert.equal(await round(D, { via: 'server', rooms: [r1] }), 'AB', 'to(r1)');
  assert.equal(await round(D, { via: 'server', rooms: [r1, r2] }), 'ABC', 'to(r1, r2): B once');
  assert.equal(await round(D, { via: 'server', rooms: [r1], except: [r2] }), 'A', 'to(r1).except(r2)');
  assert.equal(await round(D, { via: 'server', except: [r1] }), 'CD', 'except(r1)');
  assert.equal(await round(A, { via: 'socket' }), 'BCD', 'socket.broadcast');
  assert.equal(await round(A, { via: 'socket', rooms: [r2] }), 'BC', 'socket.to(r2)');
  assert.equal(await round(B, { via: 'socket', rooms: [r1, r2] }), 'AC', 'socket.to(r1, r2) leaves the sender out');
  assert.equal(await round(A, { via: 'socket', except: [r2] }), 'D', 'socket.except(r2)');

  assert.deepEqual(await call(D, 'fetch', { rooms: [r1] }), [A.id, B.id].sort());
  assert.deepEqual(await call(D, 'fetch', { rooms: [r1, r2] }), [A.id, B.id, C.id].sort());
});

test('broadcast with acknowledgements from many clients', T, async () => {
  const room = uniq();
  const voters = [0, 1, 2, 3, 4, 5].map(() => client());
  voters.forEach((s, i) => s.on('vote', (n, cb) => cb(n + i)));
  const boss = client();
  await Promise.all([...voters, boss].map((s) => connected(s)));
  await Promise.all(voters.map((s) => call(s, 'join', { rooms: [room] })));
  const r = await call(boss, 'collect', { rooms: [room], event: 'vote', arg: 100, timeoutMs: 5000 });
  assert.equal(r.timeout, false);
  assert.deepEqual(r.replies.sort((x, y) => x - y), [100, 101, 102, 103, 104, 105]);

  voters[0].off('vote');
  voters[0].on('vote', () => {});
  const r2 = await call(boss, 'collect', { rooms: [room], event: 'vote', arg: 0, timeoutMs: 300 });
  assert.equal(r2.timeout, true, 'one client stays silent');
  assert.deepEqual(r2.replies.sort((x, y) => x - y), [1, 2, 3, 4, 5]);
});

test('reconnects by itself after the server drops the connection', T, async () => {
  const s = client('/', { reconnectionDelay: 50, reconnectionDelayMax: 200 }, 'aux');
  await connected(s);
  await upgraded(s);
  const id = s.id;
  const gone = once(s, 'disconnect');
  const back = once(s, 'connect', 10000);
  s.emit('drop');
  const [reason] = await gone;
  assert.ok(transportLoss.includes(reason), `client reason ${reason}`);
  await back;
  assert.notEqual(s.id, id, 'a new session (no recovery on this server)');
  await upgraded(s);
  assert.deepEqual(await callAll(s, 'echo', 'again'), ['again']);
  assert.equal((await call(s, 'whoami')).transport, finalTransport());
  // At once when a request or WebSocket was in flight, else by heartbeat.
  const info = await call(s, 'reason-of', { id });
  assert.ok([...transportLoss, 'ping timeout'].includes(info.reason), `server reason ${JSON.stringify(info)}`);
});

test('reconnects by itself after the server restarts on the same port', T, async () => {
  const s = client('/', { reconnectionDelay: 50, reconnectionDelayMax: 300 }, 'aux');
  await connected(s);
  await upgraded(s);
  const before = await call(s, 'whoami');
  const gone = once(s, 'disconnect');
  const back = once(s, 'connect', 15000);
  s.emit('restart');
  const [reason] = await gone;
  assert.ok(transportLoss.includes(reason), `client reason ${reason} (must not be io server disconnect)`);
  await back;
  await upgraded(s);
  const after = await call(s, 'whoami');
  assert.equal(after.generation, before.generation + 1, 'served by the restarted server');
  assert.notEqual(after.id, before.id);
  assert.equal(after.transport, finalTransport());
});

test('a payload of exactly maxHttpBufferSize is delivered', T, async () => {
  const s = client('/', { reconnection: false });
  await connected(s);
  await upgraded(s);
  // Emitted without an ack, the Engine.IO packet is '4' + '2["big","' +
  // text + '"]': the text and 12 bytes.
  const len = once(s, 'big-len');
  s.emit('big', 'x'.repeat(limit - 12));
  assert.deepEqual(await len, [limit - 12], 'a packet of exactly maxHttpBufferSize bytes is delivered');
  assert.deepEqual(await callAll(s, 'echo', 'after'), ['after']);
});

// What engine.io-client's own tests expect of Node's server ("provides
// details when maxHttpBufferSize is reached", polling and websocket): over
// polling the POST gets a 413 with an empty body, and the client closes
// with "transport error"; over WebSocket the server closes with 1009.
test('one byte over maxHttpBufferSize: the details engine.io-client expects', T, async () => {
  const s = client('/', { reconnection: false });
  await connected(s);
  await upgraded(s);
  // The client aborts the failed request right after its "error" event,
  // which resets the XMLHttpRequest: read it in the listener.
  let engineError = null;
  s.io.on('error', (err) => {
    engineError ??= { err, readyState: err.context?.readyState, responseText: err.context?.responseText };
  });
  const gone = once(s, 'disconnect', 10000);
  s.emit('big', 'x'.repeat(limit - 11)); // see the case above
  const [reason, details] = await gone;
  if (finalTransport() === 'polling') {
    assert.equal(reason, 'transport error');
    assert.ok(engineError, 'an engine error before the disconnect');
    const { err, readyState, responseText } = engineError;
    assert.equal(details, err, 'the close details are the engine error');
    assert.ok(err instanceof Error);
    assert.equal(err.type, 'TransportError');
    assert.equal(err.description, 413);
    assert.equal(err.message, 'xhr post error');
    assert.equal(readyState, 4);
    assert.equal(responseText, '');
  } else {
    assert.equal(reason, 'transport close');
    assert.equal(details.description, 'websocket connection closed');
    assert.equal(details.context.code, 1009, 'Message Too Big');
    assert.equal(details.context.reason, '');
  }
});

test('200+ concurrent clients mixing transports, each with a round trip', T, async () => {
  const N = 222;
  const kinds = ['websocket', 'polling', 'upgrade'];
  const room = uniq('crowd');
  const socks = Array.from({ length: N }, (_, i) => client('/', { ...transportOpts(kinds[i % 3]), auth: { i } }));
  const got = new Array(N).fill(0);
  socks.forEach((s, i) => s.on('crowd', () => got[i]++));
  await Promise.all(socks.map((s) => connected(s, 20000)));
  const echoes = await Promise.all(socks.map((s, i) => call(s, 'echo', i)));
  assert.deepEqual(echoes, [...Array(N).keys()]);
  await Promise.all(socks.map((s) => call(s, 'join', { rooms: [room] })));
  assert.equal(await call(socks[0], 'bcast', { via: 'server', rooms: [room], event: 'crowd', arg: 1 }), true);
  await Promise.all(socks.map((s) => call(s, 'echo', 'fence')));
  assert.deepEqual(got, new Array(N).fill(1), 'each client got the broadcast once');
  const ids = await call(socks[0], 'fetch', { rooms: [room] });
  assert.deepEqual(ids, socks.map((s) => s.id).sort());
});

test('connection state recovery: 1,000 broadcasts across a cut connection', T, async () => {
  const room = uniq('stream');
  // The client waits longer than the server needs to notice the loss
  // (ping interval + timeout: 1.5 s), as recovery needs.
  const s = client('/', { reconnectionDelay: 2500, reconnectionDelayMax: 2500, randomizationFactor: 0 }, 'recovery');
  const got = [];
  const badOffsets = [];
  s.on('n', (n, offset) => {
    if (typeof offset !== 'string' || offset === '') badOffsets.push(offset);
    got.push(n);
  });
  await connected(s);
  await upgraded(s);
  const id = s.id;
  await call(s, 'join', { rooms: [room] });
  const gone = once(s, 'disconnect', 10000);
  const back = once(s, 'connect', 15000);
  const end = once(s, 'stream-end', 20000);
  // 1,000 events over about 4 s: some before the cut, some while the
  // client is away, the rest after it is back.
  s.emit('stream', { room, n: 1000, cutAt: 150, burst: 1, everyMs: 4 });
  const [reason] = await gone;
  assert.ok([...transportLoss, 'ping timeout'].includes(reason), `client reason ${reason}`);
  await back;
  assert.equal(s.recovered, true, 'recovered');
  assert.equal(s.id, id, 'same socket id');
  await end;
  assert.deepEqual(badOffsets, [], 'each broadcast carries an offset as last argument');
  assert.ok(
    got.length === 1000 && got.every((x, i) => x === i),
    `all 1000 in order, no duplicates: ${sequenceReport(got, 1000)}`,
  );
  const me = await call(s, 'whoami');
  assert.equal(me.recovered, true);
  assert.ok(me.rooms.includes(room), 'rooms kept');
});

test('connection state recovery: a disconnection longer than the window gives a new session', T, async () => {
  const room = uniq('short');
  // Away for 2.5 s: the server notices within 1.5 s, then 150 ms later
  // the session is gone.
  const s = client('/', { reconnectionDelay: 2500, reconnectionDelayMax: 2500, randomizationFactor: 0 }, 'short');
  await connected(s);
  await upgraded(s);
  const id = s.id;
  await call(s, 'join', { rooms: [room] });
  const tick = once(s, 'tick');
  await call(s, 'bcast', { via: 'server', rooms: [room], event: 'tick', arg: 1 });
  await tick;
  const gone = once(s, 'disconnect');
  const back = once(s, 'connect', 10000);
  s.emit('drop');
  await gone;
  await back;
  const info = await call(s, 'reason-of', { id });
  assert.ok([...transportLoss, 'ping timeout'].includes(info.reason), `server reason ${info.reason}`);
  assert.equal(s.recovered, false, 'not recovered');
  assert.notEqual(s.id, id, 'a new socket id');
  const me = await call(s, 'whoami');
  assert.equal(me.recovered, false);
  assert.deepEqual(me.rooms, [s.id], 'no rooms kept');
});

test('msgpack parser: binary both ways, acks, broadcasts and recovery', T, async () => {
  // socket.io-msgpack-parser 3.0.2 against a server with parser.MsgPack:
  // every packet is one binary message, binary values travel inline.
  const opts = { parser: msgpackParser, reconnectionDelay: 2500, reconnectionDelayMax: 2500, randomizationFactor: 0 };
  const auth = { token: 'abc', n: 1, list: [1.5, 'two', null, true], when: 'héllo ✓ 😀' };
  const s = client('/', { ...opts, auth }, 'msgpack');
  const echoed = once(s, 'auth');
  await connected(s);
  assert.deepEqual((await echoed)[0], auth, 'the CONNECT payload comes back');
  await upgraded(s);
  const me = await call(s, 'whoami');
  assert.equal(me.id, s.id);
  assert.equal(me.transport, finalTransport());

  const args = ['s', 1, -2, 2.5, 2 ** 40, true, null, { a: [1, { b: Buffer.from([1, 2, 3]) }] }, [Buffer.from('xyz')], Buffer.alloc(0), {}];
  assert.deepEqual(norm(await callAll(s, 'echo', ...args)), norm(args), 'echoed arguments');

  const back = once(s, 'bin-back');
  const payload = {
    name: 'blobs',
    blob: Buffer.from([0, 1, 2, 253, 254, 255]),
    nested: { parts: [Buffer.from('part-0'), Buffer.alloc(1000, 7)], deep: { b: Buffer.alloc(0) } },
  };
  const res = await call(s, 'bin', payload);
  assert.deepEqual(norm(res), norm({ reversed: Buffer.from([255, 254, 253, 2, 1, 0]), sizes: [6, 1000] }), 'typed ack');
  // With recovery on, an emitted event carries its offset last.
  assert.deepEqual(
    norm((await back).slice(0, -1)),
    norm([Buffer.from([9, 8, 7]), { x: Buffer.from('xx'), list: [Buffer.from([1]), 's', 1.5, { y: Buffer.from([2, 2]) }] }, 'text', 42, null, true, []]),
    'bin-back arguments',
  );

  s.on('double', (n, cb) => cb(n * 2));
  assert.deepEqual(await call(s, 'ask', { event: 'double', arg: 21, timeoutMs: 5000 }), { ok: true, reply: [42] }, 'server-side ack');

  const other = client('/', { parser: msgpackParser }, 'msgpack');
  await connected(other);
  const room = uniq('mp');
  await call(s, 'join', { rooms: [room] });
  await call(other, 'join', { rooms: [room] });
  const got = [once(s, 'b'), once(other, 'b')];
  assert.equal(await call(other, 'bcast', { via: 'server', rooms: [room], event: 'b', arg: { bin: Buffer.from([7]) } }), true);
  for (const p of got) assert.deepEqual(norm((await p).slice(0, 1)), norm([{ bin: Buffer.from([7]) }]), 'broadcast, encoded once');

  // Recovery replays the missed broadcasts in the same format.
  const stream = uniq('mpstream');
  await call(s, 'join', { rooms: [stream] });
  const nums = [];
  s.on('n', (n) => nums.push(n));
  const gone = once(s, 'disconnect', 10000);
  const again = once(s, 'connect', 15000);
  const end = once(s, 'stream-end', 20000);
  s.emit('stream', { room: stream, n: 200, cutAt: 40, burst: 1, everyMs: 10 });
  await gone;
  await again;
  assert.equal(s.recovered, true, 'recovered');
  await end;
  assert.ok(nums.length === 200 && nums.every((x, i) => x === i), `all 200 in order: ${sequenceReport(nums, 200)}`);
});

// ack2 emits with socket.io-client 2.x (no timeout() there) and resolves
// with every argument of the ack.
function ack2(s, event, ...args) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for "${event}"`)), 10000);
    timer.unref?.();
    s.emit(event, ...args, (...reply) => {
      clearTimeout(timer);
      resolve(reply);
    });
  });
}

test('socket.io-client 2.5.0 (Engine.IO 3): echo with binary, acks both ways, query auth, rooms shared with 4.x, reconnection', T, async () => {
  const v2 = (nsp, opts = {}) =>
    track(ioV2(servers.eio3 + nsp, { forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 500, ...transportOpts(), ...opts }));
  const s = v2('/', { query: { user: 'old' } });
  await once(s, 'connect', 10000);
  await upgraded(s);
  const [me] = await ack2(s, 'whoami');
  // "/" is joined without a CONNECT; the socket id is the session's, as
  // the 2.x client computes it.
  assert.equal(me.id, s.id);
  assert.equal(me.connId, s.io.engine.id);
  assert.equal(me.id, me.connId);
  assert.equal(me.nsp, '/');
  assert.deepEqual(me.auth, {});
  assert.equal(me.query, 'old');
  assert.equal(me.transport, finalTransport());

  const args = ['héllo ✓ 😀', Buffer.from([1, 2, 3]), { a: [1, { b: Buffer.from([255]) }], c: 'd' }, 2.5, null, true, []];
  assert.deepEqual(norm(await ack2(s, 'echo', ...args)), norm(args));

  s.on('double', (n, cb) => cb(n * 2));
  const [asked] = await ack2(s, 'ask', { event: 'double', arg: 21, timeoutMs: 5000 });
  assert.deepEqual(asked, { ok: true, reply: [42] });

  // Another namespace: its CONNECT carries the query, which is its auth.
  const admin = v2('/admin', { query: { token: 'q1' } });
  await once(admin, 'connect', 10000);
  const [am] = await ack2(admin, 'whoami');
  assert.equal(am.id, `/admin#${admin.io.engine.id}`);
  assert.equal(am.id, admin.id);
  assert.deepEqual(am.auth, { token: 'q1' });

  // One room, a 2.x and a 4.x client: the same broadcasts.
  const room = uniq();
  const modern = client('/', {}, 'eio3');
  await connected(modern);
  await ack2(s, 'join', { rooms: [room] });
  await call(modern, 'join', { rooms: [room] });
  const gotOld = once(s, 'news');
  const gotNew = once(modern, 'news');
  await call(modern, 'bcast', { via: 'server', rooms: [room], event: 'news', arg: { text: 'hi ✓', n: 1 } });
  assert.deepEqual(await gotOld, [{ text: 'hi ✓', n: 1 }]);
  assert.deepEqual(await gotNew, [{ text: 'hi ✓', n: 1 }]);

  // A network cut: the 2.x client reconnects, with a new session.
  const back = once(s, 'reconnect', 15000);
  s.emit('drop');
  await back;
  if (!s.connected) await once(s, 'connect', 10000);
  const [again] = await ack2(s, 'whoami');
  assert.equal(again.id, s.id);
  assert.notEqual(again.id, me.id);
  assert.deepEqual(norm(await ack2(s, 'echo', Buffer.from([9]))), norm([Buffer.from([9])]));
});
