// One chat connection that keeps itself up: it opens the WebSocket, hands on
// every server message it understands, and when the socket goes away it
// waits (exponential backoff with jitter, capped) and tries again, until
// stop(). It knows nothing of rooms: the page rejoins them when the next
// "welcome" arrives.
//
// Events (an EventTarget; detail holds the data):
//   "state"    { state, retryAt, attempt, code, reason }
//              state: "connecting" | "connected" | "reconnecting" | "refused" | "stopped"
//   "message"  a parsed server message (protocol.js parseServerMessage)

import { backoffDelay, parseServerMessage } from './protocol.js';

// A connect that has not opened by then is given up and retried: a server
// that accepts TCP but never answers the upgrade must not hold the page in
// "connecting" for the browser's own (much longer) timeout.
const CONNECT_TIMEOUT_MS = 10_000;

export class ChatConnection extends EventTarget {
  #url = '';
  #socket = null;
  #attempt = 0; // failed tries since the last welcome
  #retryTimer = 0;
  #connectTimer = 0;
  #backoff;

  constructor({ backoff = {} } = {}) {
    super();
    this.#backoff = backoff;
    this.state = 'stopped';
  }

  // Connects to `url` (and keeps reconnecting to it) until stop().
  start(url) {
    this.stop();
    this.#url = url;
    this.#attempt = 0;
    this.#open();
  }

  stop() {
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#connectTimer);
    const socket = this.#socket;
    this.#socket = null; // before close(): its close event must not reconnect
    if (socket) socket.close(1000);
    if (this.state !== 'stopped') this.#setState({ state: 'stopped' });
  }

  // While waiting to reconnect: skip the wait.
  retryNow() {
    if (this.state !== 'reconnecting' && this.state !== 'refused') return;
    clearTimeout(this.#retryTimer);
    this.#open();
  }

  // Sends one message; false when there is no open connection (the caller
  // keeps what the user typed).
  send(message) {
    if (this.state !== 'connected') return false;
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  #open() {
    this.#setState({ state: 'connecting', attempt: this.#attempt });
    const socket = new WebSocket(this.#url);
    this.#socket = socket;
    let opened = false;
    this.#connectTimer = setTimeout(() => socket.close(), CONNECT_TIMEOUT_MS);

    socket.addEventListener('open', () => {
      opened = true;
      clearTimeout(this.#connectTimer);
    });
    socket.addEventListener('message', (event) => {
      if (this.#socket !== socket) return;
      const message = parseServerMessage(event.data);
      if (!message) return;
      if (message.type === 'welcome') {
        // Only a welcome proves the server took us (nick accepted, routes
        // up), so only it resets the backoff: a server that accepts and
        // drops at once still gets ever longer pauses.
        this.#attempt = 0;
        this.#setState({ state: 'connected' });
      }
      this.dispatchEvent(new CustomEvent('message', { detail: message }));
    });
    // "error" is always followed by "close", which is where we act; the
    // browser tells a script no more than that (no HTTP status, no reason).
    socket.addEventListener('close', (event) => {
      clearTimeout(this.#connectTimer);
      if (this.#socket !== socket) return; // stop() or a newer socket
      this.#socket = null;
      // Closed before it ever opened: the upgrade was refused (400 bad nick,
      // 409 nick taken, 503 full) or nothing answers. The browser does not
      // say which, so neither can the page.
      const state = opened ? 'reconnecting' : 'refused';
      const delay = backoffDelay(this.#attempt, this.#backoff);
      this.#attempt += 1;
      this.#retryTimer = setTimeout(() => this.#open(), delay);
      this.#setState({
        state,
        retryAt: Date.now() + delay,
        attempt: this.#attempt,
        code: event.code,
        reason: event.reason,
      });
    });
  }

  #setState(detail) {
    this.state = detail.state;
    this.dispatchEvent(new CustomEvent('state', { detail }));
  }
}
