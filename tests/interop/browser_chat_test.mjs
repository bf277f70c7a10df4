// Interop: the chat page (static/) in a real browser against the real server.
// Debian's Chromium, headless, driven by playwright-core (package.json).
//
//   WSSERVER=build/wsserver node --test --test-reporter=tap tests/interop/browser_chat_test.mjs
//
// tests/interop/run.sh calls this. It starts its own wsserver (ephemeral port,
// --threads 4, --static-dir static/) because it kills and restarts it; the
// browser loads http://127.0.0.1:PORT/ from that server.
//
// With BROWSER_TLS=1 the whole scenario runs over TLS: tools/make_cert.sh
// makes a CA and a certificate for localhost in a temporary directory, the
// server (and its restart) gets --tls-cert/--tls-key, the browser loads
// https://localhost:PORT/ and the page opens wss:// itself (protocol.js's
// chatUrl). Chromium accepts the certificate through
// --ignore-certificate-errors-spki-list=<SHA-256 of the server's public key>:
// certificate errors are ignored for that one key only, any other certificate
// still fails (Chromium honours the flag because playwright always passes a
// --user-data-dir). Trusting the CA instead would need an NSS database
// (certutil, not installed). So that the test cannot pass over plain http by
// mistake, the TLS run also asserts location.protocol is https:, every
// WebSocket the pages open is wss://localhost:PORT/chat, and the page's TLS
// details name the test CA as issuer. Its screenshots are tls-*.png.
//
// Covers, in order (each step needs the ones before it): the nick form refuses
// a bad nick without connecting; alice and bob enter and see each other in
// lobby's members; a lobby message reaches bob; both join #dev and chat
// there; alice whispers to bob by clicking his name, bob sees it, carol (a
// third page) does not; a nick already taken shows "refused"; bob reloads and
// comes back as bob in the same rooms, and alice sees him leave and join; the
// server is killed and started again on the same port, both pages reconnect by
// themselves and chat again. Screenshots of both pages go to build/browser/
// (alice.png, bob.png at the end, alice-offline.png during the outage;
// failed-alice.png, failed-bob.png when a step fails, and the later steps are
// skipped).
//
// Every wait is on a condition, bounded (WAIT_MS); the server and the browser
// are killed on any exit.
//
//   BROWSER_TLS=1 WSSERVER=build/wsserver node --test --test-reporter=tap tests/interop/browser_chat_test.mjs
//
// Also, without a browser: protocol.js's pure parts (names, URL, parsing,
// the backoff's growth, cap and jitter).

import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { backoffDelay, chatUrl, isValidName, parseServerMessage } from '../../static/protocol.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SERVER = resolve(process.env.WSSERVER ?? join(ROOT, 'build/wsserver'));
const STATIC_DIR = join(ROOT, 'static');
const SHOTS = join(ROOT, 'build/browser');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const WAIT_MS = 20_000; // one condition; generous for a loaded 2-core machine
const STEP_MS = 90_000; // one test
const TLS = !['', '0', undefined].includes(process.env.BROWSER_TLS);
const SHOT_PREFIX = TLS ? 'tls-' : ''; // build/browser/tls-alice.png, ...

// BROWSER_TLS: a certificate from tools/make_cert.sh in a temporary directory
// (removed on exit) and the base64 SHA-256 of its SubjectPublicKeyInfo, the
// form --ignore-certificate-errors-spki-list takes.
function makeCert() {
  const dir = mkdtempSync(join(tmpdir(), 'browser-tls-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  execFileSync('bash', [join(ROOT, 'tools/make_cert.sh'), dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const cert = new X509Certificate(readFileSync(join(dir, 'cert.pem')));
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return {
    cert: join(dir, 'cert.pem'),
    key: join(dir, 'key.pem'),
    spkiHash: createHash('sha256').update(spki).digest('base64'),
  };
}
const CERT = TLS ? makeCert() : null;

// ---- the server -------------------------------------------------------------

// wsserver as a child process. start() resolves with the port once the
// start-up line "wsserver: listening on 127.0.0.1:PORT ..." is out.
class Server {
  process = null;
  port = 0;
  stderr = '';

  async start(port = 0) {
    const child = spawn(SERVER, [
      '--host', '127.0.0.1', '--port', String(port), '--threads', '4', '--static-dir', STATIC_DIR,
      ...(CERT ? ['--tls-cert', CERT.cert, '--tls-key', CERT.key] : []),
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    child.stderr.on('data', (chunk) => { this.stderr += chunk; });
    const line = await new Promise((resolveLine, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no start-up line within ${WAIT_MS} ms: ${out}${this.stderr}`)), WAIT_MS);
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const match = out.match(/listening on [^\s]*:(\d+)/);
        if (match) {
          clearTimeout(timer);
          if (TLS && !/, TLS\)/.test(out)) reject(new Error(`BROWSER_TLS but the start-up line does not say TLS: ${out}`));
          resolveLine(match);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`wsserver exited (${code}) before listening: ${this.stderr}`));
      });
    });
    child.stdout.resume(); // keep draining: a full pipe would block the server
    this.port = Number(line[1]);
    return this.port;
  }

  // SIGKILL: the server vanishes without a close frame, as in a crash.
  async kill() {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGKILL');
    await exited;
  }
}

// ---- waiting ------------------------------------------------------------------

// Polls `condition` (sync or async) until it is truthy; fails with `what`.
async function until(what, condition, timeout = WAIT_MS) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for: ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

// ---- a page and what the test does with it ------------------------------------

// One user: a browser context of its own (its own sessionStorage, as another
// browser would have) with one page, and the page's uncaught errors.
class User {
  constructor(context, page, nick) {
    this.context = context;
    this.page = page;
    this.nick = nick;
    this.errors = [];
    this.sockets = []; // the URL of every WebSocket the page opened
    page.on('pageerror', (error) => this.errors.push(error.message));
    page.on('websocket', (socket) => this.sockets.push(socket.url()));
  }

  static async open(browser, url, nick) {
    const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const user = new User(context, page, nick);
    const response = await page.goto(url);
    user.security = await response?.securityDetails(); // null over http
    return user;
  }

  async enter(nick = this.nick) {
    await this.page.getByLabel('Nick').fill(nick);
    await this.page.getByRole('button', { name: 'Enter' }).click();
  }

  status() {
    return this.page.locator('#status').getAttribute('data-state');
  }

  async connected() {
    await until(`${this.nick} connected`, async () => (await this.status()) === 'connected');
  }

  // The log of a room; only the current room's is visible, and getByRole
  // sees visible ones only, so this also checks which room is shown.
  log(room) {
    return this.page.getByRole('log', { name: `Messages in #${room}` });
  }

  async sees(room, text) {
    await this.log(room).locator('.entry', { hasText: text }).first().waitFor();
  }

  async members() {
    return this.page.locator('#member-list li').allTextContents();
  }

  async hasMembers(...nicks) {
    await until(`${this.nick} sees members ${nicks.join(', ')}`, async () => {
      const shown = (await this.members()).map((m) => m.replace(/ \(you\)$/, ''));
      return nicks.every((n) => shown.includes(n));
    });
  }

  async say(text) {
    const input = this.page.getByLabel(/^Message to #/);
    await input.fill(text);
    await input.press('Enter');
  }

  async joinRoom(room) {
    await this.page.getByLabel('Join a room').fill(room);
    await this.page.getByRole('button', { name: 'Join', exact: true }).click();
    await this.page.getByRole('heading', { name: `#${room}`, exact: true }).waitFor();
  }

  async showRoom(room) {
    await this.page.locator('#room-list .room', { hasText: `#${room}` }).click();
    await this.log(room).waitFor();
  }

  // How many entries of the current log read exactly `text`.
  countEntries(room, text) {
    return this.log(room).locator('.entry .text', { hasText: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }).count();
  }

  async screenshot(name) {
    await this.page.screenshot({ path: join(SHOTS, SHOT_PREFIX + name) });
  }
}

// ---- the browser test -----------------------------------------------------------

describe(`chat page in Chromium${TLS ? ' over https:// and wss://' : ''}`, { timeout: 10 * STEP_MS }, () => {
  const server = new Server();
  let browser;
  let url;
  let alice;
  let bob;
  let carol;

  // Whatever happens, no server outlives the test (the browser is playwright's
  // child and goes with it).
  const killServer = () => server.process?.kill('SIGKILL');
  process.on('exit', killServer);
  // run.sh's timeout sends SIGTERM, on which playwright closes the browser
  // but does not exit; exiting here kills the server, and playwright's own
  // exit handler the browser, before the SIGKILL that follows could orphan
  // them.
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      console.log(`# browser_chat_test: ${signal}, stopping`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }

  // Each step builds on the ones before: after a failure the rest are
  // skipped, rather than each timing out on a page left in the wrong state.
  let broken = '';
  const step = (name, body) => test(name, { timeout: STEP_MS }, async (t) => {
    if (broken) return t.skip(`after the failure of "${broken}"`);
    try {
      await body();
    } catch (error) {
      broken = name;
      // What the pages showed when it failed, for the reader of the log.
      for (const user of [alice, bob]) await user?.screenshot(`failed-${user.nick}.png`).catch(() => {});
      throw error;
    }
  });

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const port = await server.start();
    // localhost over TLS: the name the certificate is for (it has 127.0.0.1 too).
    url = TLS ? `https://localhost:${port}/` : `http://127.0.0.1:${port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
      // BROWSER_TLS: errors ignored for the test certificate's key only (see the top).
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
        '--disable-background-networking',
        ...(CERT ? [`--ignore-certificate-errors-spki-list=${CERT.spkiHash}`] : [])],
      timeout: WAIT_MS,
    });
  });

  after(async () => {
    await browser?.close();
    await server.kill();
    if (server.stderr) console.log(`# wsserver stderr:\n${server.stderr.replace(/^/gm, '#   ')}`);
  });

  step('the nick form refuses a bad nick without connecting', async () => {
    alice = await User.open(browser, url, 'alice');
    await alice.enter('not a nick!');
    await alice.page.getByRole('alert').filter({ hasText: 'A nick is' }).waitFor();
    assert.equal(await alice.page.locator('#app').isHidden(), true, 'the chat stays hidden');
    assert.equal(await alice.status(), 'stopped');
  });

  step('alice and bob enter and see each other in lobby', async () => {
    await alice.enter('alice');
    bob = await User.open(browser, url, 'bob');
    await bob.enter();
    await Promise.all([alice.connected(), bob.connected()]);
    await alice.page.getByRole('heading', { name: '#lobby', exact: true }).waitFor();
    await Promise.all([alice.hasMembers('alice', 'bob'), bob.hasMembers('alice', 'bob')]);
    assert.equal(await alice.page.locator('#my-nick').textContent(), 'alice');
  });

  step('a message in lobby reaches bob, escaped', async () => {
    // Markup in a message must come out as text, not as an element.
    const text = 'hello lobby <b id="injected">bold?</b> & more';
    await alice.say(text);
    await bob.sees('lobby', text);
    await alice.sees('lobby', text); // the sender gets its own message back
    assert.equal(await bob.page.locator('#injected').count(), 0, 'no element from message text');
    const from = await bob.log('lobby').locator('.entry', { hasText: text }).locator('.from').textContent();
    assert.equal(from, 'alice');
  });

  step('both join #dev and chat there', async () => {
    await alice.joinRoom('dev');
    await bob.joinRoom('dev');
    await Promise.all([alice.hasMembers('alice', 'bob'), bob.hasMembers('alice', 'bob')]);
    await alice.sees('dev', 'bob joined.');
    await bob.say('hi from bob in dev');
    await alice.sees('dev', 'hi from bob in dev');
    await alice.say('alice in dev too');
    await bob.sees('dev', 'alice in dev too');
    // Both rooms listed, #dev current.
    const rooms = await alice.page.locator('#room-list .room').allInnerTexts();
    assert.deepEqual(rooms.map((r) => r.trim()), ['#lobby', '#dev']);
  });

  step('a whisper reaches bob and not carol', async () => {
    carol = await User.open(browser, url, 'carol');
    await carol.enter();
    await carol.connected();
    await alice.hasMembers('alice', 'bob'); // (carol is in lobby, not dev)

    // Clicking a member fills in "/w bob ".
    await alice.page.getByRole('button', { name: 'Whisper to bob' }).click();
    const input = alice.page.getByLabel(/^Message to #/);
    assert.equal(await input.inputValue(), '/w bob ');
    const secret = 'psst, only for bob';
    await input.press('End');
    await input.pressSequentially(secret);
    await input.press('Enter');

    await bob.sees('dev', secret);
    const entry = bob.log('dev').locator('.entry.private', { hasText: secret });
    assert.match(await entry.locator('.label').textContent(), /whisper from alice/);
    await alice.page.locator('.entry.private', { hasText: secret }).waitFor(); // the sender's copy

    // Carol gets a lobby message alice sends after the whisper: had the
    // whisper gone to carol, it would have come first.
    await alice.showRoom('lobby');
    await alice.say('after the whisper');
    await carol.sees('lobby', 'after the whisper');
    assert.equal(await carol.page.getByText(secret).count(), 0, 'carol must not see the whisper');
  });

  step('a nick already taken shows "refused" and keeps retrying', async () => {
    const other = await User.open(browser, url, 'alice');
    try {
      await other.enter('alice');
      await until('the second alice is refused', async () => (await other.status()) === 'refused');
      await other.page.locator('#status', { hasText: /taken.*retrying in \d+ s/ }).waitFor();
    } finally {
      await other.context.close();
    }
    await carol.context.close(); // done with carol
  });

  step('bob reloads and comes back as bob in his rooms; alice sees him leave and join', async () => {
    await alice.showRoom('dev');
    const leftBefore = await alice.countEntries('dev', 'bob left.');
    const joinedBefore = await alice.countEntries('dev', 'bob joined.');
    await bob.page.reload();
    await bob.connected();
    assert.equal(await bob.page.locator('#my-nick').textContent(), 'bob');
    await until('alice sees "bob left." in #dev', async () => (await alice.countEntries('dev', 'bob left.')) > leftBefore);
    await until('alice sees "bob joined." in #dev again', async () => (await alice.countEntries('dev', 'bob joined.')) > joinedBefore);
    await alice.hasMembers('alice', 'bob');
    // The reloaded page rejoined #dev and shows it (the room it was on).
    await bob.log('dev').waitFor();
    await bob.hasMembers('alice', 'bob');
    await bob.say('bob is back');
    await alice.sees('dev', 'bob is back');
  });

  step('the server restarts; both pages reconnect by themselves and chat again', async () => {
    const port = server.port;
    await server.kill();
    await Promise.all([alice, bob].map((user) => until(`${user.nick} notices the server is gone`,
      async () => ['reconnecting', 'refused', 'connecting'].includes(await user.status()))));
    await alice.page.locator('#status', { hasText: /retrying in \d+ s|reconnecting in \d+ s/ }).waitFor();
    await alice.screenshot('alice-offline.png');

    // Same port: what the pages reconnect to. SO_REUSEADDR lets it bind
    // despite the killed server's connections in TIME_WAIT.
    await server.start(port);
    await Promise.all([alice.connected(), bob.connected()]);
    await Promise.all([alice.hasMembers('alice', 'bob'), bob.hasMembers('alice', 'bob')]);
    await alice.say('we are back');
    await bob.sees('dev', 'we are back');
    await bob.showRoom('lobby');
    await bob.hasMembers('alice', 'bob');
    await bob.say('lobby works again');
    await alice.showRoom('lobby');
    await alice.sees('lobby', 'lobby works again');
    await alice.showRoom('dev');

    await alice.screenshot('alice.png');
    await bob.screenshot('bob.png');
  });

  if (TLS) {
    test('over TLS: the pages are https:, their WebSockets wss://, the certificate the test CA\'s', async () => {
      assert.ok(alice && bob && carol, 'the pages were opened');
      const host = `localhost:${server.port}`;
      for (const user of [alice, bob]) {
        assert.equal(await user.page.evaluate(() => location.protocol), 'https:', user.nick);
        assert.equal(await user.page.evaluate(() => window.isSecureContext), true, user.nick);
      }
      for (const user of [alice, bob, carol]) {
        assert.ok(user.sockets.length > 0, `${user.nick} opened a WebSocket`);
        for (const socket of user.sockets) {
          assert.match(socket, new RegExp(`^wss://${host}/chat\\?name=`), `${user.nick}'s WebSocket`);
        }
        const details = user.security;
        assert.ok(details, `${user.nick}'s page came over TLS`);
        assert.equal(details.issuer, 'wsserver test CA', `${user.nick}'s certificate issuer`);
        assert.equal(details.subjectName, 'localhost');
        assert.match(details.protocol, /^TLS 1\.[23]$/);
      }
      // Reconnections are wss:// too: bob reloaded, both survived the restart.
      assert.ok(bob.sockets.length >= 3, `bob: ${bob.sockets.join(' ')}`);
    });
  }

  test('no page threw an uncaught error', () => {
    assert.deepEqual([alice, bob, carol].flatMap((user) => user?.errors ?? []), []);
  });
});

// ---- protocol.js, no browser ------------------------------------------------------

describe('protocol.js', () => {
  test('names: 1-32 of [A-Za-z0-9_-]', () => {
    for (const good of ['a', 'alice', 'Bob_2', 'x-y', 'a'.repeat(32)]) assert.ok(isValidName(good), good);
    for (const bad of ['', 'a b', 'é', 'a'.repeat(33), 'a/b', 'a\n']) assert.ok(!isValidName(bad), JSON.stringify(bad));
  });

  test('the URL follows the page: ws on http, wss on https, same host', () => {
    assert.equal(chatUrl({ protocol: 'http:', host: '127.0.0.1:9001' }, 'alice'), 'ws://127.0.0.1:9001/chat?name=alice');
    assert.equal(chatUrl({ protocol: 'https:', host: 'chat.example' }, 'b-o_b'), 'wss://chat.example/chat?name=b-o_b');
  });

  test('server messages: known types with their fields, else null', () => {
    assert.deepEqual(parseServerMessage('{"type":"joined","room":"dev","name":"bob"}'), { type: 'joined', room: 'dev', name: 'bob' });
    for (const bad of ['nope', '[]', 'null', '{"type":"joined","room":"dev"}', '{"type":"who"}',
      '{"type":"message","room":"r","from":"a","text":"t","ts":"1"}']) {
      assert.equal(parseServerMessage(bad), null, bad);
    }
  });

  test('backoff: doubles, is capped, jitter stays in the upper half', () => {
    const at = (attempt, r) => backoffDelay(attempt, { baseMs: 1000, capMs: 30_000, random: () => r });
    assert.deepEqual([0, 1, 2, 3, 4].map((n) => at(n, 1)), [1000, 2000, 4000, 8000, 16000]);
    assert.equal(at(5, 1), 30_000);
    assert.equal(at(1000, 1), 30_000, 'no overflow far out');
    assert.equal(at(3, 0), 4000, 'never below half');
    const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(4)));
    assert.ok(spread.size > 10, 'random jitter');
    for (const d of spread) assert.ok(d >= 8000 && d <= 16000, String(d));
  });
});
