// msgpack.js: the socket.io.msgpack.min.js bundle against a server with the
// MessagePack parser. It echoes values (binary among them) through the
// server's "echo" handler and answers the server's "double" request;
// window.result is what the browser test checks.
(async function () {
  const socket = io({ auth: { page: 'msgpack' } });
  socket.on('double', (n, cb) => cb(n * 2));
  const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
  try {
    await new Promise((resolve, reject) => {
      socket.on('connect', resolve);
      socket.on('connect_error', reject);
    });
    const bin = new Uint8Array([1, 2, 254, 255]).buffer;
    const echoed = await new Promise((resolve, reject) => {
      socket.timeout(10000).emit('echo', 'text', 42, 2.5, null, { nested: [bin] }, (err, ...args) => (err ? reject(err) : resolve(args)));
    });
    const ask = await socket.timeout(10000).emitWithAck('ask', { event: 'double', arg: 21, timeoutMs: 5000 });
    window.result = {
      transport: socket.io.engine.transport.name,
      echoed: [echoed[0], echoed[1], echoed[2], echoed[3], hex(echoed[4].nested[0]), echoed[4].nested[0] instanceof ArrayBuffer],
      ask,
    };
  } catch (err) {
    window.result = { error: String(err) };
  }
  document.getElementById('status').textContent = JSON.stringify(window.result);
})();
