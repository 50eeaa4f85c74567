// eio3.js: socket.io-client 2.5.0 (Engine.IO 3) against a server with
// AllowEIO3, over the transports of the page's ?transports= (default
// polling then websocket). It echoes values (binary among them), asks who it
// is and answers the server's "double" request; window.result is what the
// browser test checks.
(async function () {
  const transports = (new URLSearchParams(location.search).get('transports') || 'polling,websocket').split(',');
  const socket = io({ transports, query: { user: 'page' } });
  socket.on('double', (n, cb) => cb(n * 2));
  const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
  const ack = (event, ...args) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ack for ${event}`)), 10000);
      socket.emit(event, ...args, (...reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
    });
  try {
    await new Promise((resolve, reject) => {
      socket.on('connect', resolve);
      socket.on('connect_error', reject);
    });
    if (transports.length > 1 && socket.io.engine.transport.name !== 'websocket') {
      await new Promise((resolve) => socket.io.engine.once('upgrade', resolve));
    }
    const bin = new Uint8Array([1, 2, 254, 255]).buffer;
    const echoed = await ack('echo', 'text ✓ 😀', 42, { nested: [bin] });
    const [me] = await ack('whoami');
    const [asked] = await ack('ask', { event: 'double', arg: 21, timeoutMs: 5000 });
    window.result = {
      transport: socket.io.engine.transport.name,
      sameId: me.id === socket.id && me.connId === socket.io.engine.id,
      query: me.query,
      echoed: [echoed[0], echoed[1], hex(echoed[2].nested[0]), echoed[2].nested[0] instanceof ArrayBuffer],
      ask: asked,
    };
  } catch (err) {
    window.result = { error: String(err) };
  }
  document.getElementById('status').textContent = JSON.stringify(window.result);
})();
