// admin.test.mjs: headless Chromium logs into the real Socket.IO Admin UI
// (@socket.io/admin-ui 0.5.1's page, embedded in and served by gosio at
// /admin-ui/), watches the sockets of a second page (www/admin-user.html),
// and acts on them from the UI. Run by admin_test.go against one gosio
// server and against two gosio servers joined by the Redis adapter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { servers, until } from './lib.mjs';

const T = { timeout: 90_000 };
const WAIT = { timeout: 15_000 };
const artifacts = process.env.E2E_ARTIFACTS;

let browser;
const pageErrors = [];

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.E2E_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
});

// Every WebSocket a page opens, kept so that the case can send on the UI's
// own /admin connection (the 0.5.1 page has no form for "emit").
function keepWebSockets() {
  const Orig = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = class extends Orig {
    constructor(...args) {
      super(...args);
      window.__sockets.push(this);
    }
  };
}

/** newPage opens a page in a context of its own; network requests that
 * leave loopback are recorded (the UI must work offline). */
async function newPage(init, offsite) {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  if (init) await ctx.addInitScript(init);
  await ctx.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost') {
      offsite?.push(u.href);
      return route.abort();
    }
    return route.continue();
  });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  return page;
}

/** userPage opens the watched page on a server and waits until its socket
 * is connected and upgraded to WebSocket; it returns the page and the id. */
async function userPage(base) {
  const page = await newPage();
  await page.goto(base + '/admin-user.html');
  await page.waitForFunction(() => window.socket?.connected && window.socket.io.engine.transport.name === 'websocket', null, WAIT);
  const id = await page.evaluate(() => window.socket.id);
  return { page, id };
}

/** login opens the Admin UI served by base and logs in to server. */
async function login(base, server, offsite) {
  const ui = await newPage(keepWebSockets, offsite);
  await ui.goto(base + '/admin-ui/');
  await ui.getByLabel('Server URL').fill(server, WAIT);
  await ui.getByLabel('Username').fill('admin');
  await ui.getByLabel('Password').fill('admin-pass');
  await ui.getByRole('button', { name: 'Connect' }).click();
  return ui;
}

/** adminSend sends a Socket.IO event on the UI's own /admin WebSocket. */
async function adminSend(ui, ...args) {
  await ui.waitForFunction(() => window.__sockets.some((w) => w.readyState === 1 && w.url.includes('/socket.io/')), null, WAIT);
  await ui.evaluate((args) => {
    const ws = window.__sockets.find((w) => w.readyState === 1 && w.url.includes('/socket.io/'));
    ws.send('42/admin,' + JSON.stringify(args));
  }, args);
}

/** rooms asks the server which rooms a user page's socket is in. */
function rooms(user) {
  return user.page.evaluate(() => new Promise((resolve) => window.socket.emit('rooms', resolve)));
}

/** socketRow is the UI's row of a socket in the Sockets page. */
function socketRow(ui, id) {
  return ui.locator('tr', { hasText: id }).first();
}

test('a wrong password gets the UI\'s "invalid credentials"', T, async () => {
  const base = servers.single;
  const ui = await newPage(keepWebSockets);
  await ui.goto(base + '/admin-ui/');
  await ui.getByLabel('Server URL').fill(base, WAIT);
  await ui.getByLabel('Username').fill('admin');
  await ui.getByLabel('Password').fill('wrong');
  await ui.getByRole('button', { name: 'Connect' }).click();
  await ui.getByText('Invalid credentials').waitFor(WAIT);
  await ui.context().close();
});

test('the UI lists, joins, emits to and disconnects a socket of one server', T, async () => {
  const base = servers.single;
  const user = await userPage(base);
  const offsite = [];
  const ui = await login(base, base, offsite);

  // The sockets page lists the user page's socket, with its transport.
  await ui.goto(base + '/admin-ui/#/sockets/');
  const row = socketRow(ui, user.id);
  await row.waitFor(WAIT);
  await row.getByText('WebSocket').waitFor(WAIT);
  await row.getByText('127.0.0.1').waitFor(WAIT);

  // Its details show its rooms; the UI makes it join one.
  await row.click();
  await ui.waitForURL(/#\/n\/%2F\/sockets\//, WAIT);
  await ui.locator('td', { hasText: user.id }).first().waitFor(WAIT);
  await ui.getByLabel('Join a room').fill('vip');
  await ui.locator('button:has(.mdi-tag-plus-outline)').click();
  await until(async () => (await rooms(user)).includes('vip'), 10_000, 'the socket in room vip');
  await ui.locator('td', { hasText: /^\s*vip\s*$/ }).first().waitFor(WAIT);

  // An event through the UI's emit command, on the UI's own connection.
  await adminSend(ui, 'emit', '/', user.id, 'from-ui', 'hello', 42);
  await user.page.waitForFunction(() => window.received.some((e) => e[0] === 'from-ui' && e[1] === 'hello' && e[2] === 42), null, WAIT);

  // The dashboard, with a few seconds of statistics.
  await ui.goto(base + '/admin-ui/#/');
  await ui.getByText('Dashboard').first().waitFor(WAIT);
  await ui.waitForFunction(() => document.querySelectorAll('canvas').length > 0, null, WAIT);
  await ui.waitForTimeout(4500); // two server_stats reports for the charts (every 2 s)
  await ui.screenshot({ path: path.join(artifacts, 'admin-ui.png') });

  // Disconnect it from the Sockets page.
  await ui.goto(base + '/admin-ui/#/sockets/');
  await socketRow(ui, user.id).locator('button:has(.mdi-logout)').click(WAIT);
  await user.page.waitForFunction(() => window.disconnects.includes('io server disconnect'), null, WAIT);
  await until(async () => (await ui.locator('tr', { hasText: user.id }).count()) === 0, 10_000, 'the row gone');

  assert.deepEqual(offsite, [], 'the UI asks nothing of other hosts');
  assert.deepEqual(pageErrors, []);
  await ui.context().close();
  await user.page.context().close();
});

test('one UI lists the sockets of two gosio servers on Redis and acts on both', T, async () => {
  const a = await userPage(servers.nodeA);
  const b = await userPage(servers.nodeB);
  const ui = await login(servers.nodeA, servers.nodeA);
  await ui.goto(servers.nodeA + '/admin-ui/#/sockets/');
  for (const u of [a, b]) {
    const row = socketRow(ui, u.id);
    await row.waitFor(WAIT);
    // The other server's socket has its transport too: the "_admin" data.
    await row.getByText('WebSocket').waitFor(WAIT);
  }
  // A command reaches the other server through the adapter.
  await adminSend(ui, 'join', '/', 'vip-b', b.id);
  await until(async () => (await rooms(b)).includes('vip-b'), 10_000, 'the socket of node-b in room vip-b');
  await adminSend(ui, 'emit', '/', b.id, 'from-ui', 'across');
  await b.page.waitForFunction(() => window.received.some((e) => e[0] === 'from-ui' && e[1] === 'across'), null, WAIT);
  // Both servers report their statistics.
  await ui.goto(servers.nodeA + '/admin-ui/#/servers/');
  await ui.getByText('node-a').first().waitFor(WAIT);
  await ui.getByText('node-b').first().waitFor(WAIT);
  await ui.screenshot({ path: path.join(artifacts, 'admin-ui-cluster.png') });
  await ui.goto(servers.nodeA + '/admin-ui/#/sockets/');
  await socketRow(ui, b.id).locator('button:has(.mdi-logout)').click(WAIT);
  await b.page.waitForFunction(() => window.disconnects.includes('io server disconnect'), null, WAIT);
  assert.deepEqual(pageErrors, []);
  for (const p of [ui, a.page, b.page]) await p.context().close();
});
