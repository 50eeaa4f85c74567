// lib.mjs: helpers shared by the Node cases. Every wait has a deadline;
// nothing sleeps for a fixed time.
import { io, Manager } from 'socket.io-client';
import { randomUUID } from 'node:crypto';

/** Base URLs of the Go servers, by name (see client_test.go). */
export const servers = JSON.parse(process.env.E2E_SERVERS || '{}');
/** The transport configuration of this run: websocket, polling or upgrade. */
export const TRANSPORT = process.env.E2E_TRANSPORT || 'websocket';

/** Client options for a transport configuration. */
export function transportOpts(tr = TRANSPORT) {
  switch (tr) {
    case 'websocket':
      return { transports: ['websocket'] };
    case 'polling':
      return { transports: ['polling'] };
    case 'upgrade':
      return { transports: ['polling', 'websocket'], upgrade: true };
    default:
      throw new Error(`unknown transport ${tr}`);
  }
}

/** The transport a connection settles on in this run. */
export function finalTransport(tr = TRANSPORT) {
  return tr === 'polling' ? 'polling' : 'websocket';
}

// What the current case opened, closed by closeAll after it.
const opened = new Set();

/** track registers a socket or manager to close after the case. */
export function track(x) {
  opened.add(x);
  return x;
}

/** closeAll closes what the case opened. */
export function closeAll() {
  for (const x of opened) x.disconnect();
  opened.clear();
}

/**
 * client opens a socket of its own connection (forceNew) to namespace nsp
 * of a server, with this run's transports, fast reconnection and opts.
 */
export function client(nsp = '/', opts = {}, server = 'main') {
  const base = servers[server];
  if (!base) throw new Error(`no server ${server}`);
  const s = io(base + nsp, {
    forceNew: true,
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    ...transportOpts(),
    ...opts,
  });
  logDisconnects(s, `${server}${nsp}`);
  return track(s);
}

/**
 * logDisconnects prints why s disconnected, unless the case closed it: the
 * Go side shows it in the log of the case.
 */
export function logDisconnects(s, label) {
  s.on('disconnect', (reason, desc) => {
    if (reason === 'io client disconnect') return;
    const parts = [desc?.message, desc?.description?.message ?? desc?.description, desc?.context?.statusText ?? desc?.context?.status];
    const detail = parts.filter((x) => x !== undefined && x !== '').join(' / ');
    console.log(`${label} ${s.id ?? ''}: disconnect "${reason}"${detail ? ` (${detail})` : ''}`);
  });
}

/** manager opens a Manager (one connection for several namespaces). */
export function manager(opts = {}, server = 'main') {
  return track(
    new Manager(servers[server], { reconnectionDelay: 100, reconnectionDelayMax: 500, ...transportOpts(), ...opts }),
  );
}

/**
 * once resolves with the arguments of the next `event` on emitter (that
 * pass filter, when given), or rejects after ms.
 */
export function once(emitter, event, ms = 5000, filter = null) {
  const p = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`timed out after ${ms} ms waiting for "${event}"`));
    }, ms);
    timer.unref?.();
    function on(...args) {
      if (filter && !filter(...args)) return;
      clearTimeout(timer);
      emitter.off(event, on);
      resolve(args);
    }
    emitter.on(event, on);
  });
  p.catch(() => {}); // a case that failed earlier may leave it unawaited
  return p;
}

/**
 * connected resolves once socket s is connected; a connect_error that ends
 * its attempts (refused by the server) rejects.
 */
export async function connected(s, ms = 10000) {
  if (s.connected) return;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`not connected after ${ms} ms (${s.nsp})`)), ms);
    timer.unref?.();
    const onErr = (err) => {
      if (!s.active) done(err);
    };
    function done(err) {
      clearTimeout(timer);
      s.off('connect', done);
      s.off('connect_error', onErr);
      err ? reject(err) : resolve();
    }
    s.on('connect', () => done());
    s.on('connect_error', onErr);
  });
}

/**
 * upgraded resolves once the connection of s runs on WebSocket, in the
 * "upgrade" run (polling first); in the other runs it returns at once.
 */
export async function upgraded(s, ms = 10000) {
  if (TRANSPORT !== 'upgrade') return;
  const engine = s.io.engine;
  if (engine.transport.name === 'websocket') return;
  await once(engine, 'upgrade', ms);
}

/** call emits event with args and resolves with the ack's first argument. */
export function call(s, event, ...args) {
  return s.timeout(10000).emitWithAck(event, ...args);
}

/** callAll emits event with args and resolves with every ack argument. */
export function callAll(s, event, ...args) {
  return new Promise((resolve, reject) => {
    s.timeout(10000).emit(event, ...args, (err, ...reply) => (err ? reject(err) : resolve(reply)));
  });
}

/** until polls pred every few ms until it is true, or throws after ms. */
export async function until(pred, ms = 5000, what = 'condition') {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** uniq returns a fresh name for rooms. */
export function uniq(prefix = 'room') {
  return `${prefix}-${randomUUID()}`;
}

/**
 * norm makes binary values comparable with deepEqual: every Buffer,
 * ArrayBuffer or typed array becomes {$bin: "<hex>"}.
 */
export function norm(v) {
  if (v instanceof ArrayBuffer) return { $bin: Buffer.from(v).toString('hex') };
  if (ArrayBuffer.isView(v)) return { $bin: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex') };
  if (Array.isArray(v)) return v.map(norm);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]));
  return v;
}

/**
 * sequenceReport describes how got differs from 0..n-1: missing numbers,
 * duplicates and the first place out of order.
 */
export function sequenceReport(got, n) {
  const seen = new Map();
  for (const x of got) seen.set(x, (seen.get(x) || 0) + 1);
  const missing = [];
  for (let i = 0; i < n; i++) if (!seen.has(i)) missing.push(i);
  const dups = [...seen].filter(([, c]) => c > 1).map(([x]) => x);
  const firstDisorder = got.findIndex((x, i) => i > 0 && x <= got[i - 1]);
  const ranges = (xs) => {
    const out = [];
    for (const x of xs) {
      const last = out[out.length - 1];
      if (last && last[1] === x - 1) last[1] = x;
      else out.push([x, x]);
    }
    return out.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');
  };
  return (
    `received ${got.length} of ${n}; missing [${ranges(missing)}]; duplicated [${ranges(dups)}]; ` +
    (firstDisorder < 0 ? 'in order' : `out of order at index ${firstDisorder}: ...${got.slice(Math.max(0, firstDisorder - 3), firstDisorder + 3)}...`)
  );
}
