// browser.test.mjs: headless Chromium (Debian's, driven by playwright-core)
// loads the chat page www/index.html from the Go server: the official
// browser bundle of socket.io-client against gosio. Run by browser_test.go
// once per integration; the server has connection state recovery on.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { chromium } from 'playwright-core';
import { call, client, closeAll, connected, servers, sequenceReport } from './lib.mjs';

const T = { timeout: 60_000 };
const WAIT = { timeout: 15_000 };

let browser;
const contexts = [];
const pageErrors = [];

before(async () => {
  // launch gives the browser a fresh temporary profile (user-data-dir) and
  // removes it on close.
  browser = await chromium.launch({
    executablePath: process.env.E2E_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});

after(async () => {
  await browser?.close();
});

afterEach(async () => {
  closeAll();
  await Promise.all(contexts.splice(0).map((c) => c.close()));
  const errs = pageErrors.splice(0);
  assert.deepEqual(errs, [], 'no uncaught errors in the pages');
});

/** context opens a browser context (a separate profile: cookies, network). */
async function context(init) {
  const ctx = await browser.newContext();
  contexts.push(ctx);
  if (init) await ctx.addInitScript(init);
  return ctx;
}

/**
 * cutter starts a TCP proxy in front of the server at base whose connections
 * the case can cut, as a network would: cut closes every connection through
 * it and refuses new ones until restore. The cut does not depend on how the
 * browser emulates being offline (Chromium's emulation once left an open
 * WebSocket running, so the page never noticed).
 */
async function cutter(base) {
  const target = new URL(base);
  const live = new Set();
  let down = false;
  const srv = net.createServer((conn) => {
    if (down) {
      conn.destroy();
      return;
    }
    const up = net.connect(Number(target.port), target.hostname);
    const pair = { conn, up };
    live.add(pair);
    const end = () => {
      conn.destroy();
      up.destroy();
      live.delete(pair);
    };
    for (const s of [conn, up]) {
      s.on('error', end);
      s.on('close', end);
    }
    conn.pipe(up);
    up.pipe(conn);
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const cut = () => {
    down = true;
    for (const { conn, up } of live) {
      conn.destroy();
      up.destroy();
    }
    live.clear();
  };
  return {
    url: `http://127.0.0.1:${srv.address().port}`,
    cut,
    restore: () => {
      down = false;
    },
    close: () => {
      cut();
      return new Promise((resolve) => srv.close(resolve));
    },
  };
}

/**
 * open loads the chat page of a server (a name of servers, see
 * browser_test.go, or a base URL) as name in ctx and waits until it is in
 * the room.
 */
async function open(ctx, name, query = '', server = 'steady') {
  const page = await ctx.newPage();
  page.on('pageerror', (err) => pageErrors.push(`${name}: ${err.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) console.log(`[${name}] ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`[${name} console] ${m.text()}`);
  });
  await page.goto(`${servers[server] ?? server}/?name=${name}${query}`);
  await page.waitForFunction(() => window.app?.ready, null, WAIT);
  return page;
}

/** say types text in the page's form and sends it. */
async function say(page, text) {
  await page.fill('#input', text);
  await page.click('#form button');
}

/** sees waits until the page lists "from: text". */
async function sees(page, from, text) {
  await page.locator('#messages li', { hasText: `${from}: ${text}` }).waitFor(WAIT);
}

const state = (page) => page.evaluate(() => ({ ...window.app, socket: undefined }));

test('chat between two pages', T, async () => {
  const room = `room=chat-${Date.now()}`;
  const a = await open(await context(), 'alice', `&${room}`);
  const b = await open(await context(), 'bob', `&${room}`);
  for (const p of [a, b]) await p.waitForFunction(() => window.app.transport === 'websocket', null, WAIT);
  await say(a, 'hello bob');
  await sees(b, 'alice', 'hello bob');
  await sees(a, 'alice', 'hello bob');
  await say(b, 'hi alice 👋');
  await sees(a, 'bob', 'hi alice 👋');
  await a.waitForFunction(() => window.app.sent.length === 1, null, WAIT); // the ack
  const sa = await state(a);
  assert.deepEqual(sa.sent, ['websocket'], 'the server got the message over WebSocket');
  assert.deepEqual(
    sa.messages.map((m) => `${m.from}: ${m.text}`),
    ['alice: hello bob', 'bob: hi alice 👋'],
  );
});

test('chat with WebSocket blocked falls back to polling', T, async () => {
  const room = `room=blocked-${Date.now()}`;
  // As behind a proxy that does not pass WebSocket: the page has none.
  const blocked = await context(() => {
    window.WebSocket = undefined;
  });
  const a = await open(blocked, 'alice', `&${room}`);
  const b = await open(await context(), 'bob', `&${room}`);
  await b.waitForFunction(() => window.app.transport === 'websocket', null, WAIT);
  await say(a, 'over polling');
  await sees(b, 'alice', 'over polling');
  await say(b, 'over websocket');
  await sees(a, 'bob', 'over websocket');
  await say(a, 'still polling');
  await sees(b, 'alice', 'still polling');
  await a.waitForFunction(() => window.app.sent.length === 2, null, WAIT); // the acks
  const sa = await state(a);
  assert.equal(await a.evaluate(() => typeof window.WebSocket), 'undefined');
  assert.equal(sa.transport, 'polling');
  assert.deepEqual(sa.sent, ['polling', 'polling'], 'the server saw polling');
  assert.deepEqual(sa.disconnects, []);
});

test('network cut and restored: reconnects by itself and recovers missed messages', T, async (t) => {
  const room = `room=cut-${Date.now()}`;
  // alice reaches the server through a proxy the case cuts; bob directly.
  const link = await cutter(servers.browser);
  t.after(() => link.close());
  const a = await open(await context(), 'alice', `&${room}&delay=200&delayMax=400`, link.url);
  const b = await open(await context(), 'bob', `&${room}`, 'browser');
  for (const p of [a, b]) await p.waitForFunction(() => window.app.transport === 'websocket', null, WAIT);
  await say(b, 'before 1');
  await say(b, 'before 2');
  await sees(a, 'bob', 'before 2');
  const before = await state(a);

  // A control connection from Node asks the server when it noticed.
  const ctl = client('/', { transports: ['websocket'] }, 'browser');
  await connected(ctl);

  link.cut();
  await a.waitForFunction(() => window.app.disconnects.length === 1, null, WAIT);
  const gone = await call(ctl, 'reason-of', { id: before.id });
  console.log(`server noticed alice's loss: ${gone.reason}; alice saw: ${(await state(a)).disconnects[0]}`);
  assert.ok(['ping timeout', 'transport close', 'transport error'].includes(gone.reason), gone.reason);

  const missed = ['while away 1', 'while away 2', 'while away 3'];
  for (const text of missed) await say(b, text);
  await sees(b, 'bob', missed[2]);

  link.restore();
  await a.waitForFunction(() => window.app.connects === 2 && window.app.ready, null, WAIT);
  await sees(a, 'bob', missed[2]);
  const after = await state(a);
  assert.equal(after.recovered, true, 'recovered');
  assert.equal(after.id, before.id, 'same socket id');
  const texts = after.messages.map((m) => m.text);
  const want = ['before 1', 'before 2', ...missed];
  assert.deepEqual(texts, want, sequenceReport(texts.map((t) => want.indexOf(t)), want.length));

  await say(a, 'back');
  await sees(b, 'alice', 'back');
});

test('the msgpack bundle served by gosio talks to a msgpack server', T, async () => {
  const base = servers.msgpack;
  // The bundle as Node's serveClient sends it: ETag of the client version,
  // 304 when the browser already has it.
  const res = await fetch(`${base}/socket.io/socket.io.msgpack.min.js`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/javascript; charset=utf-8');
  const etag = res.headers.get('etag');
  assert.match(etag, /^"4\.8\.\d+"$/);
  assert.match(await res.text(), /msgpack|notepack|Decoder/);
  const again = await fetch(`${base}/socket.io/socket.io.msgpack.min.js`, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);

  const ctx = await context();
  const page = await ctx.newPage();
  page.on('pageerror', (err) => pageErrors.push(`msgpack: ${err.message}`));
  const scripts = [];
  page.on('response', (r) => {
    if (r.url().includes('/socket.io/socket.io.')) scripts.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  await page.goto(`${base}/msgpack.html`);
  await page.waitForFunction(() => window.result, null, WAIT);
  const result = await page.evaluate(() => window.result);
  assert.deepEqual(scripts, ['200 /socket.io/socket.io.msgpack.min.js']);
  assert.equal(result.error, undefined, result.error);
  assert.equal(result.transport, 'websocket');
  assert.deepEqual(result.echoed, ['text', 42, 2.5, null, '0102feff', true]);
  assert.deepEqual(result.ask, { ok: true, reply: [42] });
});

test('socket.io-client 2.5.0 (Engine.IO 3) in the browser: polling with binary payloads, WebSocket, the upgrade', T, async () => {
  const base = servers.eio3;
  for (const transports of ['polling', 'websocket', 'polling,websocket']) {
    const ctx = await context();
    const page = await ctx.newPage();
    page.on('pageerror', (err) => pageErrors.push(`eio3 ${transports}: ${err.message}`));
    // Engine.IO 3 polling responses: XHR2 clients (no b64) get binary
    // payloads as application/octet-stream.
    const polls = [];
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (u.pathname === '/socket.io/' && u.searchParams.get('transport') === 'polling') {
        polls.push({ eio: u.searchParams.get('EIO'), b64: u.searchParams.get('b64'), type: r.headers()['content-type'] });
      }
    });
    await page.goto(`${base}/eio3.html?transports=${transports}`);
    await page.waitForFunction(() => window.result, null, WAIT);
    const result = await page.evaluate(() => window.result);
    assert.equal(result.error, undefined, `${transports}: ${result.error}`);
    assert.equal(result.transport, transports === 'polling' ? 'polling' : 'websocket', transports);
    assert.equal(result.sameId, true, 'socket.id is the session id, on both sides');
    assert.equal(result.query, 'page');
    assert.deepEqual(result.echoed, ['text ✓ 😀', 42, '0102feff', true], transports);
    assert.deepEqual(result.ask, { ok: true, reply: [42] }, transports);
    if (transports === 'polling') {
      assert.ok(polls.length > 0 && polls.every((p) => p.eio === '3' && p.b64 === null), JSON.stringify(polls));
      assert.ok(polls.some((p) => p.type === 'application/octet-stream'), `a binary payload among ${JSON.stringify(polls)}`);
    }
    await ctx.close();
  }
});
