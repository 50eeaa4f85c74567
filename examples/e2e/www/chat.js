// chat.js: a small chat page on the official socket.io-client bundle. The
// query string sets the user's name, the room and the reconnection delays;
// window.app exposes the state the browser tests look at.
(function () {
  const params = new URLSearchParams(location.search);
  const room = params.get('room') || 'lobby';
  const app = (window.app = {
    name: params.get('name') || 'anonymous',
    ready: false, // connected and in the room
    connects: 0,
    disconnects: [],
    id: null,
    recovered: null,
    transport: null,
    messages: [],
    sent: [], // transport the server saw for each message this page sent
  });
  const socket = io({
    auth: { name: app.name },
    reconnectionDelay: Number(params.get('delay') || 1000),
    reconnectionDelayMax: Number(params.get('delayMax') || 5000),
  });
  app.socket = socket;

  const status = document.getElementById('status');
  const list = document.getElementById('messages');
  const show = () => {
    status.textContent = `${app.name}: ${socket.connected ? 'connected' : 'disconnected'} (${app.transport})`;
  };

  socket.io.on('open', () => {
    const engine = socket.io.engine;
    app.transport = engine.transport.name;
    engine.on('upgrade', (t) => {
      app.transport = t.name;
      show();
    });
  });
  socket.on('connect', async () => {
    app.connects++;
    app.id = socket.id;
    app.recovered = socket.recovered;
    show();
    await socket.timeout(5000).emitWithAck('join', { rooms: [room] });
    app.ready = true;
  });
  socket.on('disconnect', (reason) => {
    app.ready = false;
    app.disconnects.push(reason);
    show();
  });
  // With connection state recovery, the server appends an offset to
  // broadcasts; the client keeps it, the page has no use for it.
  socket.on('chat', (msg) => {
    app.messages.push(msg);
    const li = document.createElement('li');
    li.textContent = `${msg.from}: ${msg.text}`;
    list.appendChild(li);
  });

  document.getElementById('form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = document.getElementById('input');
    const text = input.value;
    input.value = '';
    app.sent.push(await socket.timeout(5000).emitWithAck('chat', { room, text }));
  });
})();
