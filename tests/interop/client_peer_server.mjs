// A Node "ws" (npm ws 8.x, tests/interop/node_modules) server for testing
// the project's client (ws::Client through build/client_interop) against a
// WebSocket implementation written elsewhere.
//
//   node tests/interop/client_peer_server.mjs [--cert CERT --key KEY]
//
// Listens on 127.0.0.1, an ephemeral port, any path; with --cert/--key it
// speaks wss:// only. Its first stdout line is "listening on PORT" once it
// accepts. Runs until killed.
//
// The protocol (text commands: fragment, ping, close, label, close-of,
// subprotocol?; binary and other text echoed) is the one documented in
// client_peer_server.py; client_interop.cpp relies on both being the same.

import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';

const PONG_TIMEOUT = 5_000;
const CLOSE_WAIT = 5_000;
const SUBPROTOCOLS = ['chat', 'superchat'];

// TOKEN -> {code, reason} of connections that ended; and the close-of
// queries still waiting for one.
const closes = new Map();
const closeWaiters = new Map();

function recordClose(token, code, reason) {
  closes.set(token, { code, reason });
  for (const wake of closeWaiters.get(token) ?? []) wake();
  closeWaiters.delete(token);
}

function fragmentPayload(index, size, binary) {
  if (!binary) return String.fromCharCode(97 + (index % 26)).repeat(size);
  const bytes = Buffer.alloc(size);
  for (let j = 0; j < size; j++) bytes[j] = (index * size + j) % 251;
  return bytes;
}

// Resolves with "pong ok" once a pong carrying `payload` arrives, else
// "pong timeout".
function awaitPong(ws, payload) {
  return new Promise((resolve) => {
    const onPong = (data) => {
      if (!Buffer.from(data).equals(payload)) return;
      clearTimeout(timer);
      ws.off('pong', onPong);
      resolve('pong ok');
    };
    const timer = setTimeout(() => {
      ws.off('pong', onPong);
      resolve('pong timeout');
    }, PONG_TIMEOUT);
    ws.on('pong', onPong);
  });
}

async function sendFragmented(ws, args) {
  const count = Number(args[0]);
  const size = Number(args[1]);
  const binary = args.slice(2).includes('binary');
  const withPing = args.slice(2).includes('ping');
  let pong = null;
  for (let i = 0; i < count; i++) {
    // fin: false keeps the message open; ws sends the first frame with the
    // message's opcode and the rest as continuations.
    ws.send(fragmentPayload(i, size, binary), { binary, fin: i === count - 1 });
    if (i === 0 && withPing) {
      const payload = Buffer.from('mid-message');
      pong = awaitPong(ws, payload);
      ws.ping(payload);
    }
  }
  if (pong) ws.send(await pong);
}

function closeOf(ws, token) {
  const answer = () => {
    const c = closes.get(token);
    ws.send(c ? `${c.code} ${c.reason}` : 'none');
  };
  if (closes.has(token)) return answer();
  const timer = setTimeout(answer, CLOSE_WAIT);
  const waiters = closeWaiters.get(token) ?? [];
  waiters.push(() => {
    clearTimeout(timer);
    answer();
  });
  closeWaiters.set(token, waiters);
}

async function command(ws, state, text) {
  const space = text.indexOf(' ');
  const word = space < 0 ? text : text.slice(0, space);
  const rest = space < 0 ? '' : text.slice(space + 1);
  if (word === 'fragment') {
    await sendFragmented(ws, rest.split(' ').filter(Boolean));
  } else if (word === 'ping') {
    const payload = Buffer.from(rest);
    const pong = awaitPong(ws, payload);
    ws.ping(payload);
    ws.send(await pong);
  } else if (word === 'close') {
    const sp = rest.indexOf(' ');
    ws.close(Number(sp < 0 ? rest : rest.slice(0, sp)), sp < 0 ? '' : rest.slice(sp + 1));
  } else if (word === 'label') {
    state.label = rest;
    ws.send('label ok');
  } else if (word === 'close-of' && rest.endsWith('?')) {
    closeOf(ws, rest.slice(0, -1));
  } else if (text === 'subprotocol?') {
    ws.send(`subprotocol=${ws.protocol}`);
  } else {
    ws.send(text);
  }
}

function onConnection(ws) {
  const state = { label: null };
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      ws.send(data, { binary: true });
      return;
    }
    command(ws, state, data.toString('utf8')).catch((err) => {
      console.error(`client_peer_server.mjs: ${err.stack}`);
    });
  });
  // The close the client sent (ws answers it with the same code).
  ws.on('close', (code, reason) => {
    if (state.label !== null) recordClose(state.label, code, reason.toString('utf8'));
  });
  ws.on('error', (err) => console.error(`client_peer_server.mjs: connection: ${err.message}`));
}

const { values } = parseArgs({ options: { cert: { type: 'string' }, key: { type: 'string' } } });
const server = values.cert
  ? createHttpsServer({ cert: readFileSync(values.cert), key: readFileSync(values.key) })
  : createHttpServer();
const wss = new WebSocketServer({
  server,
  handleProtocols: (offered) => SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
});
wss.on('connection', onConnection);
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});
