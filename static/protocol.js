// The /chat protocol as the page speaks it: names, the URL, what the client
// sends and what it accepts, and the reconnect delay. No DOM here, so Node can
// import this file as it is (tests/interop/browser_chat_test.mjs does).

// Nicks and room names: the server refuses anything else (a bad nick with 400
// on the upgrade, which a browser cannot see, so the page checks first).
export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
export const NAME_RULE = '1 to 32 letters, digits, _ or -';

// The server refuses a text over 4 KiB; counted in UTF-8 bytes, as it counts.
export const MAX_TEXT_BYTES = 4096;

export const isValidName = (name) => NAME_PATTERN.test(name);

export function textBytes(text) {
  return new TextEncoder().encode(text).length;
}

// ws: or wss: to match the page (a page served over https may not open a
// plain ws: socket), same host and port as the page: the server that served
// it is the one that chats.
export function chatUrl(location, nick) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/chat?name=${encodeURIComponent(nick)}`;
}

// What the client sends, one function per message type, so the shapes are
// written in one place.
export const request = {
  join: (room) => ({ type: 'join', room }),
  leave: (room) => ({ type: 'leave', room }),
  say: (room, text) => ({ type: 'say', room, text }),
  whisper: (to, text) => ({ type: 'whisper', to, text }),
  who: (room) => ({ type: 'who', room }),
};

// The fields each server message must carry, and their types. A message that
// lacks one is dropped rather than half-shown: the page never has to ask
// "is this field there?" further on.
const SHAPES = {
  welcome: { name: 'string', rooms: 'array' },
  message: { room: 'string', from: 'string', text: 'string', ts: 'number' },
  private: { from: 'string', to: 'string', text: 'string', ts: 'number' },
  joined: { room: 'string', name: 'string' },
  left: { room: 'string', name: 'string' },
  members: { room: 'string', names: 'array' },
  error: { code: 'string', message: 'string' },
};

const kindOf = (value) => (Array.isArray(value) ? 'array' : typeof value);

// One text frame -> a message object, or null if it is not one we know.
export function parseServerMessage(data) {
  if (typeof data !== 'string') return null;
  let message;
  try {
    message = JSON.parse(data);
  } catch {
    return null;
  }
  const shape = message && SHAPES[message.type];
  if (!shape) return null;
  for (const [field, kind] of Object.entries(shape)) {
    if (kindOf(message[field]) !== kind) return null;
  }
  return message;
}

// Reconnect delay before retry number `attempt` (0 for the first): doubling
// from `baseMs`, capped at `capMs`, then "equal jitter": a random point in the
// upper half. The jitter spreads the clients of a restarted server over time
// instead of having them all knock at once; keeping the lower half out means
// a retry never comes much sooner than the backoff promised.
export function backoffDelay(attempt, { baseMs = 1000, capMs = 30_000, random = Math.random } = {}) {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
