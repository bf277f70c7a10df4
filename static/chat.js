// The chat page: the nick form, the rooms, the log of each room, the members
// of the current one, the composer. The wire format is in protocol.js, the
// reconnecting socket in connection.js; this file turns what they report into
// the page and what the user does into requests.
//
// Everything a peer sent is shown through textContent (el() below), never
// parsed as HTML: a nick or a message can hold nothing but text.

import { ChatConnection } from './connection.js';
import { MAX_TEXT_BYTES, NAME_RULE, chatUrl, isValidName, request, textBytes } from './protocol.js';

const LOG_LIMIT = 500; // entries kept per room: a long-open page must not grow without end
const STORAGE_KEY = 'wsserver-chat';

const $ = (id) => document.getElementById(id);
const ui = {
  login: $('login'),
  loginForm: $('login-form'),
  nick: $('nick'),
  nickError: $('nick-error'),
  app: $('app'),
  status: $('status'),
  statusText: $('status-text'),
  statusCountdown: $('status-countdown'),
  retryNow: $('retry-now'),
  myNick: $('my-nick'),
  changeNick: $('change-nick'),
  roomList: $('room-list'),
  joinForm: $('join-form'),
  joinRoom: $('join-room'),
  joinError: $('join-error'),
  roomTitle: $('room-title'),
  logs: $('logs'),
  sayForm: $('say-form'),
  sayText: $('say-text'),
  saySend: $('say-send'),
  membersHeading: $('members-heading'),
  memberList: $('member-list'),
};

// What the page knows. A room is in `rooms` from the moment the server says we
// are in it until the user leaves it; across a reconnect it stays (with its
// log), marked not `joined`, until the server confirms the rejoin.
const chat = {
  nick: '',
  rooms: new Map(), // name -> { log, item, badge, members: Set, unread, joined }
  current: '', // the room shown; '' when in none
  pendingJoin: '', // a room the user asked for: shown as soon as it is confirmed
  askedWho: new Set(), // rooms whose member list the user asked for (/who): printed when it comes
};

const connection = new ChatConnection();

// ---- small DOM helpers ------------------------------------------------------

// el('li', { class: 'x', text: 'y', title: 'z' }, child...): an element whose
// text goes in through textContent, so it is never markup.
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'text') node.textContent = value;
    else if (key === 'class') node.className = value;
    else node.setAttribute(key, value);
  }
  node.append(...children.filter(Boolean));
  return node;
}

const clockTime = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

// The log with nowhere else to go (private messages, errors) while the user
// is in no room.
const noRoomLog = el('ol', { class: 'log', role: 'log', 'aria-label': 'Notices' },
  el('li', { class: 'entry system', text: 'You are in no room. Join one on the left.' }));
ui.logs.append(noRoomLog);

const currentLog = () => chat.rooms.get(chat.current)?.log ?? noRoomLog;

// Appends one entry: kind is "message", "mine", "private", "system" or
// "error". Keeps the view at the bottom if it was there (a reader scrolled up
// to read older lines is not yanked down).
function addEntry(log, { kind, text, from = '', ts = Date.now(), label = '' }) {
  const atBottom = ui.logs.scrollHeight - ui.logs.scrollTop - ui.logs.clientHeight < 40;
  log.append(el('li', { class: `entry ${kind}` },
    el('time', { datetime: new Date(ts).toISOString(), text: clockTime(ts) }),
    label && el('span', { class: 'label', text: label }),
    from && el('span', { class: 'from', text: from }),
    el('span', { class: 'text', text })));
  while (log.childElementCount > LOG_LIMIT) log.firstElementChild.remove();
  if (atBottom && log === currentLog()) ui.logs.scrollTop = ui.logs.scrollHeight;
}

const notice = (text, kind = 'system') => addEntry(currentLog(), { kind, text });

// ---- rooms ----------------------------------------------------------------

function ensureRoom(name) {
  let room = chat.rooms.get(name);
  if (room) return room;
  const log = el('ol', { class: 'log', role: 'log', 'aria-label': `Messages in #${name}`, hidden: '' });
  const badge = el('span', { class: 'badge', hidden: '' });
  const open = el('button', { type: 'button', class: 'room' }, el('span', { text: `#${name}` }), badge);
  open.addEventListener('click', () => showRoom(name));
  const leave = el('button', { type: 'button', class: 'leave', 'aria-label': `Leave #${name}`, title: `Leave #${name}`, text: '×' });
  leave.addEventListener('click', () => leaveRoom(name));
  const item = el('li', {}, open, leave);
  room = { log, item, badge, members: new Set(), unread: 0, joined: true };
  chat.rooms.set(name, room);
  ui.logs.append(log);
  ui.roomList.append(item);
  if (!chat.current) showRoom(name);
  save();
  return room;
}

function removeRoom(name) {
  const room = chat.rooms.get(name);
  if (!room) return;
  room.log.remove();
  room.item.remove();
  chat.rooms.delete(name);
  if (chat.current === name) showRoom(chat.rooms.keys().next().value ?? '');
  save();
}

function showRoom(name) {
  chat.current = name;
  const room = chat.rooms.get(name);
  if (room) room.unread = 0;
  for (const [other, { log }] of chat.rooms) log.hidden = other !== name;
  noRoomLog.hidden = Boolean(room);
  ui.logs.scrollTop = ui.logs.scrollHeight;
  render();
  save();
}

function joinRoom(name) {
  if (!isValidName(name)) return `A room name is ${NAME_RULE}.`;
  if (chat.rooms.has(name)) {
    showRoom(name);
    return '';
  }
  if (!connection.send(request.join(name))) return 'Not connected.';
  chat.pendingJoin = name;
  return '';
}

// Gone from the page at once: the server tells the others, not necessarily
// the leaver. While disconnected there is nothing to send, and not rejoining
// the room on reconnect is just what leaving it means.
function leaveRoom(name) {
  connection.send(request.leave(name));
  removeRoom(name);
}

// ---- what the server says -------------------------------------------------

const handlers = {
  welcome({ name, rooms }) {
    chat.nick = name;
    // A fresh page takes the rooms the server put it in (lobby). After a
    // reconnect, or a reload, the page's own rooms win: rejoin what we were
    // in, leave what we had left (the server puts everyone in lobby again).
    const fresh = chat.rooms.size === 0;
    for (const room of rooms) {
      if (fresh || chat.rooms.has(room)) {
        const target = ensureRoom(room);
        target.joined = true;
        addEntry(target.log, { kind: 'system', text: `Connected as ${name}, in #${room}.` });
      } else {
        connection.send(request.leave(room));
      }
    }
    for (const room of chat.rooms.keys()) {
      if (!rooms.includes(room)) connection.send(request.join(room));
    }
    render();
  },

  message({ room, from, text, ts }) {
    const target = chat.rooms.get(room);
    if (!target) return; // a room being left: the server had not heard yet
    addEntry(target.log, { kind: from === chat.nick ? 'mine' : 'message', from, text, ts });
    if (room !== chat.current) target.unread += 1;
    render();
  },

  // Shown where the user is looking: a whisper belongs to no room.
  private({ from, to, text, ts }) {
    const outgoing = from === chat.nick;
    addEntry(currentLog(), {
      kind: 'private',
      label: outgoing ? `whisper to ${to}` : `whisper from ${from}`,
      from,
      text,
      ts,
    });
  },

  joined({ room, name }) {
    if (name === chat.nick) {
      // New to the page: "joined"; on the page from before a reconnect: "back";
      // already confirmed (by welcome or members): nothing to add.
      const known = chat.rooms.get(room);
      const target = ensureRoom(room);
      if (!known) addEntry(target.log, { kind: 'system', text: `You joined #${room}.` });
      else if (!known.joined) addEntry(target.log, { kind: 'system', text: `You are back in #${room}.` });
      target.joined = true;
      target.members.add(name);
      if (chat.pendingJoin === room) {
        chat.pendingJoin = '';
        showRoom(room);
      }
    } else {
      const target = chat.rooms.get(room);
      if (!target) return;
      target.members.add(name);
      addEntry(target.log, { kind: 'system', text: `${name} joined.` });
    }
    render();
  },

  left({ room, name }) {
    const target = chat.rooms.get(room);
    if (!target) return;
    if (name === chat.nick) {
      removeRoom(room);
    } else {
      target.members.delete(name);
      addEntry(target.log, { kind: 'system', text: `${name} left.` });
    }
    render();
  },

  members({ room, names }) {
    let target = chat.rooms.get(room);
    if (!target && chat.pendingJoin === room) target = ensureRoom(room);
    if (target) {
      target.members = new Set(names);
      target.joined = true;
    }
    if (chat.askedWho.delete(room)) notice(`In #${room}: ${[...names].sort().join(', ') || 'no one'}.`);
    render();
  },

  error({ message, code }) {
    notice(message || code, 'error');
  },
};

connection.addEventListener('message', ({ detail }) => handlers[detail.type]?.(detail));

// ---- connection state -----------------------------------------------------

let countdownTimer = 0;

connection.addEventListener('state', ({ detail }) => {
  const { state } = detail;
  clearInterval(countdownTimer);
  if (state === 'reconnecting' || state === 'refused') {
    // The server's member lists are stale from here until the rejoin.
    for (const room of chat.rooms.values()) {
      room.joined = false;
      room.members.clear();
    }
    if (state === 'reconnecting') {
      const why = detail.code && detail.code !== 1006 ? ` (close ${detail.code}${detail.reason ? `: ${detail.reason}` : ''})` : '';
      notice(`Disconnected${why}.`);
    }
    countdownTimer = setInterval(() => renderStatus(detail), 1000);
  }
  renderStatus(detail);
  render();
});

// The state sentence goes into the live region once per change; the seconds
// ticking down go into a part that is not announced (a screen reader reading
// out every second would drown the messages).
function renderStatus({ state, retryAt = 0 }) {
  const seconds = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
  const sentence = {
    connecting: 'Connecting…',
    connected: 'Connected',
    reconnecting: 'Connection lost, reconnecting',
    refused: `Refused or unreachable (is the nick “${chat.nick}” taken?), retrying`,
    stopped: 'Not connected',
  }[state];
  const waiting = state === 'reconnecting' || state === 'refused';
  ui.status.dataset.state = state;
  if (ui.statusText.textContent !== sentence) ui.statusText.textContent = sentence;
  ui.statusCountdown.textContent = waiting ? ` in ${seconds} s` : '';
  ui.retryNow.hidden = !waiting;
}

// ---- rendering --------------------------------------------------------------

// Brings the parts that depend on `chat` up to date. Cheap enough to call
// after every change: a handful of rooms and members.
function render() {
  const connected = connection.state === 'connected';
  ui.myNick.textContent = chat.nick;
  ui.saySend.disabled = !connected || !chat.current;

  for (const [name, room] of chat.rooms) {
    const open = room.item.querySelector('.room');
    if (name === chat.current) open.setAttribute('aria-current', 'true');
    else open.removeAttribute('aria-current');
    room.item.classList.toggle('offline', !room.joined);
    // "3 unread" to a screen reader, "3" on the badge.
    room.badge.hidden = room.unread === 0;
    room.badge.replaceChildren(String(room.unread), el('span', { class: 'visually-hidden', text: ' unread' }));
  }

  const room = chat.rooms.get(chat.current);
  ui.roomTitle.textContent = room ? `#${chat.current}` : 'No room';
  if (room && !room.joined) ui.roomTitle.append(el('span', { class: 'muted small', text: ' (rejoining…)' }));
  ui.sayText.placeholder = room ? `Message #${chat.current}` : 'Join a room to chat';
  ui.sayForm.querySelector('label').textContent = room ? `Message to #${chat.current}` : 'Message';

  const names = room ? [...room.members].sort((a, b) => a.localeCompare(b)) : [];
  ui.membersHeading.textContent = room ? `Members of #${chat.current} (${names.length})` : 'Members';
  // Rebuilt only when it changed, so a click or keyboard focus on a member is
  // not lost to every incoming message.
  const shown = JSON.stringify([chat.nick, names]);
  if (ui.memberList.dataset.shown === shown) return;
  ui.memberList.dataset.shown = shown;
  ui.memberList.replaceChildren(...names.map((name) => {
    if (name === chat.nick) return el('li', {}, el('span', { class: 'member self', text: `${name} (you)` }));
    const button = el('button', { type: 'button', class: 'member', title: `Whisper to ${name}`, 'aria-label': `Whisper to ${name}`, text: name });
    button.addEventListener('click', () => {
      ui.sayText.value = `/w ${name} `;
      ui.sayText.focus();
    });
    return el('li', {}, button);
  }));
}

// ---- the composer -----------------------------------------------------------

// One line typed by the user -> a request, or an error to show. Returns true
// when the line was sent (the input is cleared), false to keep it for editing.
function submitLine(line) {
  if (!line.trim()) return false;
  const command = line.match(/^\/(\w+)\s*(.*)$/s);
  if (!command || line.startsWith('//')) {
    // "//text" says "/text": a way to start a message with a slash.
    return say(line.startsWith('//') ? line.slice(1) : line);
  }
  const [, name, rest] = command;
  switch (name.toLowerCase()) {
    case 'w':
    case 'whisper':
    case 'msg': {
      const [, to, text] = rest.match(/^(\S+)\s+(.+)$/s) ?? [];
      if (!to) return refuse('Usage: /w NICK text');
      if (!isValidName(to)) return refuse(`A nick is ${NAME_RULE}.`);
      return send(request.whisper(to, text), text);
    }
    case 'join':
    case 'j': {
      const problem = joinRoom(rest.trim());
      return problem ? refuse(problem) : true;
    }
    case 'leave':
    case 'part': {
      const room = rest.trim() || chat.current;
      if (!chat.rooms.has(room)) return refuse(`You are not in #${room}.`);
      leaveRoom(room);
      return true;
    }
    case 'who': {
      const room = rest.trim() || chat.current;
      if (!isValidName(room)) return refuse(`A room name is ${NAME_RULE}.`);
      chat.askedWho.add(room);
      return send(request.who(room));
    }
    default:
      return refuse(`Unknown command /${name}. Start with // to send a line that begins with /.`);
  }
}

function say(text) {
  if (!chat.current) return refuse('Join a room first.');
  return send(request.say(chat.current, text), text);
}

// The server refuses texts over 4 KiB; saying so here keeps the user's text.
function send(message, text = '') {
  if (textBytes(text) > MAX_TEXT_BYTES) return refuse(`Too long: at most ${MAX_TEXT_BYTES} bytes.`);
  if (!connection.send(message)) return refuse('Not connected; the text is kept.');
  return true;
}

function refuse(text) {
  notice(text, 'error');
  return false;
}

ui.sayForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (submitLine(ui.sayText.value)) ui.sayText.value = '';
});

ui.joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const problem = joinRoom(ui.joinRoom.value.trim());
  ui.joinError.textContent = problem;
  if (!problem) ui.joinRoom.value = '';
});

// ---- nick, start and stop -----------------------------------------------------

// The nick and rooms live in sessionStorage: a reload comes back as the same
// nick in the same rooms, while another tab (its own session) starts fresh.
function save() {
  if (!chat.nick) return;
  const state = { nick: chat.nick, rooms: [...chat.rooms.keys()], current: chat.current };
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state));
}

function restore() {
  try {
    const state = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null');
    if (!state || !isValidName(state.nick)) return null;
    return state;
  } catch {
    return null;
  }
}

function start(nick, rooms = [], current = '') {
  chat.nick = nick;
  for (const room of rooms.filter(isValidName)) ensureRoom(room).joined = false;
  if (chat.rooms.has(current)) showRoom(current);
  save();
  ui.login.hidden = true;
  ui.app.hidden = false;
  render();
  connection.start(chatUrl(location, nick));
  ui.sayText.focus();
}

function stop() {
  connection.stop();
  for (const name of [...chat.rooms.keys()]) removeRoom(name);
  chat.nick = '';
  sessionStorage.removeItem(STORAGE_KEY);
}

ui.loginForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const nick = ui.nick.value.trim();
  if (!isValidName(nick)) {
    ui.nickError.textContent = `A nick is ${NAME_RULE}.`;
    ui.nick.setAttribute('aria-invalid', 'true');
    return;
  }
  ui.nickError.textContent = '';
  ui.nick.removeAttribute('aria-invalid');
  start(nick);
});

ui.changeNick.addEventListener('click', () => {
  const nick = chat.nick;
  stop();
  ui.app.hidden = true;
  ui.login.hidden = false;
  ui.nick.value = nick;
  ui.nick.focus();
});

ui.retryNow.addEventListener('click', () => connection.retryNow());

// Closing the socket ourselves when the page goes away frees the nick on the
// server at once, so a reload does not find it still taken. A page restored
// from the back/forward cache connects again.
addEventListener('pagehide', () => connection.stop());
addEventListener('pageshow', (event) => {
  if (event.persisted && chat.nick) connection.start(chatUrl(location, chat.nick));
});

const saved = restore();
if (saved) start(saved.nick, saved.rooms, saved.current);
else ui.nick.focus();
