// Interop: the Node "ws" client (npm ws 8.x, see package.json) against a
// running wsserver's /echo endpoint.
//
//   WS_URL=ws://127.0.0.1:PORT/echo node --test tests/interop/node_client_test.mjs
//
// tests/interop/run.sh starts the server and calls this, with ws:// and again
// with wss:// (a server with --tls-cert; WS_CA_FILE names the CA to trust,
// and the certificate must name 127.0.0.1); `npm install` in tests/interop
// (tools/install_deps.sh does it) provides ws.
//
// Covers: text and binary echo at the payload-length boundaries of RFC 6455
// section 5.2 (0, 1, 125, 126, 127, 65535, 65536) and 4 MiB, text being mixed
// 1- to 4-byte UTF-8 of exactly that many bytes; ping with a payload answered
// by a pong carrying it (5.5.2, 5.5.3); messages the client sends fragmented
// (5.4), including one with a ping between its fragments (5.4: control frames
// may be injected), echoed whole; the closing handshake echoing 1000 (5.5.1);
// permessage-deflate, which ws offers by default, declined (9.1: the server
// does not support it yet); 20 connections open at once, each echoing. Every
// wait has a timeout, so a stalled server fails a test instead of hanging.
//
// Content is random; the seed is printed, and WS_SEED=<seed> replays a run.

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

const URL = process.env.WS_URL ?? 'ws://127.0.0.1:8080/echo';
// wss://: the CA of $WS_CA_FILE trusted (Node's own list without it).
const TLS_OPTIONS = process.env.WS_CA_FILE ? { ca: readFileSync(process.env.WS_CA_FILE) } : {};
const SEED = Number(process.env.WS_SEED ?? Math.floor(Math.random() * 2 ** 32));
console.log(`node_client_test: ws ${wsVersion()}, ${URL}, WS_SEED=${SEED}`);

// Payload lengths around the 7-bit / 16-bit / 64-bit length encodings, and one
// far beyond any single read buffer.
const SIZES = [0, 1, 125, 126, 127, 65535, 65536, 4 * 1024 * 1024];
const IO_TIMEOUT = 20_000; // ms; generous, the 4 MiB echo is the slowest step.
const TEST_TIMEOUT = 60_000;

function wsVersion() {
  try {
    const pkg = new globalThis.URL('./node_modules/ws/package.json', import.meta.url);
    return JSON.parse(readFileSync(pkg, 'utf8')).version;
  } catch {
    return '(version unknown)';
  }
}

// mulberry32: small seeded generator, so a failing run can be replayed.
function makeRng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)); // inclusive
  return { next, int };
}

function seedFor(name) {
  let h = SEED >>> 0;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

function randomBytes(rng, n) {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(0, 255);
  return b;
}

// One code-point range per UTF-8 encoded length (RFC 3629): ASCII, 2-byte,
// 3-byte (surrogates excluded, they are not encodable), 4-byte.
const RANGES = {
  1: [[0x20, 0x7e]],
  2: [[0x80, 0x7ff]],
  3: [[0x800, 0xd7ff], [0xe000, 0xffff]],
  4: [[0x10000, 0x10ffff]],
};

// Random text whose UTF-8 encoding is exactly n bytes, mixing 1- to 4-byte
// characters; ASCII fills whatever a wider character cannot.
function randomText(rng, n) {
  const cps = [];
  let left = n;
  while (left > 0) {
    const width = rng.int(1, Math.min(4, left));
    const ranges = RANGES[width];
    const [lo, hi] = ranges[rng.int(0, ranges.length - 1)];
    cps.push(rng.int(lo, hi));
    left -= width;
  }
  let text = '';
  for (let i = 0; i < cps.length; i += 8192) {
    text += String.fromCodePoint(...cps.slice(i, i + 8192));
  }
  assert.equal(Buffer.byteLength(text, 'utf8'), n);
  return text;
}

function withTimeout(promise, ms, what) {
  let timer;
  const expiry = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, expiry]).finally(() => clearTimeout(timer));
}

// A connection whose incoming messages, pongs and close are queued, so that
// nothing that arrives between two awaits is lost.
class Client {
  static async open(url = URL) {
    const ws = new WebSocket(url, TLS_OPTIONS); // perMessageDeflate offered: ws's default
    const client = new Client(ws);
    await withTimeout(
      new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      }),
      10_000,
      `connect ${url}`,
    );
    return client;
  }

  constructor(ws) {
    this.ws = ws;
    this.queues = { message: [], pong: [] };
    this.waiters = { message: [], pong: [] };
    this.error = null;
    ws.on('message', (data, isBinary) => this.push('message', { data, isBinary }));
    ws.on('pong', (data) => this.push('pong', data));
    ws.on('error', (err) => {
      this.error = err;
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  push(kind, item) {
    const waiter = this.waiters[kind].shift();
    if (waiter) waiter(item);
    else this.queues[kind].push(item);
  }

  next(kind, ms = IO_TIMEOUT) {
    if (this.queues[kind].length) return Promise.resolve(this.queues[kind].shift());
    const got = new Promise((resolve) => this.waiters[kind].push(resolve));
    const closedFirst = this.closed.then(({ code }) => {
      throw new Error(`connection closed (${code}) while waiting for a ${kind}`);
    });
    return withTimeout(Promise.race([got, closedFirst]), ms, `waiting for a ${kind}`);
  }

  send(data, options = {}) {
    return withTimeout(
      new Promise((resolve, reject) => {
        this.ws.send(data, options, (err) => (err ? reject(err) : resolve()));
      }),
      IO_TIMEOUT,
      'send',
    );
  }

  async close(code = 1000, reason = '') {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code, reason);
    else if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    return withTimeout(this.closed, 15_000, 'closing handshake');
  }

  async expectEcho(message, binary) {
    const sent = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
    await this.send(message, { binary });
    const { data, isBinary } = await this.next('message');
    assert.equal(isBinary, binary, 'frame type (text/binary) not kept');
    if (!sent.equals(data)) {
      // Short message: a 4 MiB diff is no help.
      assert.fail(`echo differs: sent ${sent.length} bytes, got ${data.length}`);
    }
  }
}

// Each test gets its own connection, closed (with 1000) at the end.
function wsTest(name, body) {
  test(name, { timeout: TEST_TIMEOUT }, async () => {
    const rng = makeRng(seedFor(name));
    const client = await Client.open();
    try {
      await body(client, rng);
    } finally {
      await client.close().catch(() => client.ws.terminate());
    }
  });
}

for (const n of SIZES) {
  wsTest(`text echo, ${n} bytes`, (c, rng) => c.expectEcho(randomText(rng, n), false));
  wsTest(`binary echo, ${n} bytes`, (c, rng) => c.expectEcho(randomBytes(rng, n), true));
}

wsTest('text and binary interleaved on one connection', async (c, rng) => {
  for (const n of [3, 200, 70000, 5]) {
    await c.expectEcho(randomText(rng, n), false);
    await c.expectEcho(randomBytes(rng, n), true);
  }
});

wsTest('permessage-deflate offered by ws is not negotiated', async (c) => {
  assert.equal(c.ws.extensions, '', `negotiated extensions: ${c.ws.extensions}`);
  await c.expectEcho('after handshake', false);
});

wsTest('ping with payload gets a pong with that payload', async (c, rng) => {
  for (const payload of [Buffer.from('ping-1'), randomBytes(rng, 125), Buffer.alloc(0)]) {
    c.ws.ping(payload);
    const pong = await c.next('pong', 10_000);
    assert.ok(payload.equals(pong), `pong payload ${pong.toString('hex')}`);
  }
  await c.expectEcho('still open after pings', false);
});

async function sendFragments(c, parts, binary, between = async () => {}) {
  for (let i = 0; i < parts.length; i++) {
    await c.send(parts[i], { binary, fin: i === parts.length - 1 });
    if (i < parts.length - 1) await between(i);
  }
}

wsTest('fragmented text echoed whole', async (c, rng) => {
  const parts = [1, 125, 126, 70000, 0, 9].map((n) => randomText(rng, n));
  await sendFragments(c, parts, false);
  const { data, isBinary } = await c.next('message');
  assert.equal(isBinary, false);
  assert.ok(Buffer.from(parts.join(''), 'utf8').equals(data), 'reassembled text differs');
});

wsTest('fragmented binary echoed whole', async (c, rng) => {
  const parts = [10, 0, 65536, 300000, 1].map((n) => randomBytes(rng, n));
  await sendFragments(c, parts, true);
  const { data, isBinary } = await c.next('message');
  assert.equal(isBinary, true);
  assert.ok(Buffer.concat(parts).equals(data), 'reassembled binary differs');
});

wsTest('ping between fragments is answered, message echoed whole', async (c, rng) => {
  const parts = [300, 5000, 7].map((n) => randomBytes(rng, n));
  await sendFragments(c, parts, true, async (i) => {
    const payload = Buffer.from(`mid-${i}`);
    c.ws.ping(payload);
    const pong = await c.next('pong', 10_000);
    assert.ok(payload.equals(pong), 'pong payload differs');
  });
  const { data, isBinary } = await c.next('message');
  assert.equal(isBinary, true);
  assert.ok(Buffer.concat(parts).equals(data), 'reassembled binary differs');
});

test('clean close: 1000 echoed back', { timeout: TEST_TIMEOUT }, async () => {
  const c = await Client.open();
  await c.expectEcho('bye soon', false);
  const { code } = await c.close(1000, 'done');
  assert.equal(code, 1000);
  assert.equal(c.error, null, `error on the connection: ${c.error}`);
});

test('20 connections at once, each echoing', { timeout: TEST_TIMEOUT }, async () => {
  // Open all before any echo, so the server holds all twenty together.
  const clients = await Promise.all(Array.from({ length: 20 }, () => Client.open()));
  try {
    await Promise.all(
      clients.map(async (c, i) => {
        const rng = makeRng(seedFor(`concurrent ${i}`));
        const sizes = [0, 1, 126, 4000, 65536, 100000];
        for (let k = 0; k < 5; k++) {
          const n = sizes[rng.int(0, sizes.length - 1)];
          if (k % 2 === 0) await c.expectEcho(randomText(rng, n), false);
          else await c.expectEcho(randomBytes(rng, n), true);
        }
      }),
    );
  } finally {
    const closes = await Promise.all(clients.map((c) => c.close().catch((e) => ({ code: e.message }))));
    assert.deepEqual(closes.map((x) => x.code), Array(20).fill(1000));
  }
});
