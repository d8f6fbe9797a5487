// ChatCluster web client: plain JavaScript, no build step.
//
// Ids (users, messages, events) are 64-bit decimal strings. They are never turned
// into JS numbers: compare them with cmpId and do arithmetic with BigInt.
'use strict';

(() => {
  const EPOCH_MS = 1735689600000n; // Snowflake epoch: 2025-01-01T00:00:00Z
  const TIMESTAMP_SHIFT = 22n; // 10 worker bits + 12 sequence bits
  const PAGE_SIZE = 50;
  const SESSION_KEY = 'chatcluster.session';
  const LAST_ROOM_KEY = 'chatcluster.lastRoom.';
  const PING_EVERY_MS = 20000;
  const PONG_TIMEOUT_MS = 10000;
  const MAX_BACKOFF_MS = 15000;
  const GROUP_WITHIN_MS = 5 * 60 * 1000;
  const MAX_SCORES = 5000; // sentiment scores kept for messages not (yet) on screen

  const $ = (id) => document.getElementById(id);

  const state = {
    session: null, // {token, user_id, username}
    rooms: new Map(), // room_id -> room
    unread: new Map(), // room_id -> count
    counted: new Set(), // message ids already counted as unread
    directory: [],
    currentRoom: null,
    messages: new Map(), // message_id -> message, for the open room
    pending: new Map(), // client_id -> outgoing message not yet seen as an event
    scores: new Map(), // message_id -> {sentiment, version}: live scores, also those that beat their message
    before: null, // cursor of the next older page of the open room
    historyLoaded: false,
    loadingOlder: false,
    roomLoad: 0, // bumps on every room switch so stale answers are dropped
    lastEventId: null,
    ws: null,
    wsReady: false,
    everReady: false,
    attempts: 0,
    reconnectTimer: null,
    pingTimer: null,
    pongTimer: null,
    refSeq: 0,
    errorTimer: null,
    directoryTimer: null,
  };

  // ---------------------------------------------------------------- helpers

  function cmpId(a, b) {
    a = String(a);
    b = String(b);
    if (a.length !== b.length) return a.length - b.length;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  function maxId(a, b) {
    if (a == null) return b;
    if (b == null) return a;
    return cmpId(a, b) >= 0 ? a : b;
  }

  function idDate(id) {
    try {
      return new Date(Number((BigInt(id) >> TIMESTAMP_SHIFT) + EPOCH_MS));
    } catch {
      return null;
    }
  }

  function newClientId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return 'web-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function formatTime(date) {
    if (!date) return '';
    const now = new Date();
    const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    if (date.toDateString() === now.toDateString()) return time;
    return `${date.toLocaleDateString([], { month: 'short', day: 'numeric' })}, ${time}`;
  }

  const AVATAR_COLORS = ['#e11d48', '#db2777', '#9333ea', '#4f46e5', '#2563eb', '#0891b2', '#0d9488', '#16a34a', '#ca8a04', '#ea580c'];

  function avatarColor(name) {
    let h = 2166136261; // FNV-1a
    for (const ch of name.toLowerCase()) h = Math.imul(h ^ ch.codePointAt(0), 16777619) >>> 0;
    return AVATAR_COLORS[h % AVATAR_COLORS.length];
  }

  function isMe(userId) {
    return state.session != null && String(userId) === String(state.session.user_id);
  }

  function detailText(detail, fallback) {
    if (typeof detail === 'string' && detail) return detail;
    if (Array.isArray(detail)) {
      return detail.map((d) => (d && d.msg ? `${(d.loc || []).filter((p) => p !== 'body').join('.')}: ${d.msg}` : String(d))).join('; ');
    }
    return fallback;
  }

  class ApiError extends Error {
    constructor(status, detail) {
      super(detail);
      this.status = status;
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (state.session) headers.Authorization = `Bearer ${state.session.token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, 'Cannot reach the server. Check your connection and try again.');
    }
    if (response.status === 204) return null;
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null; // ids arrive as strings, so JSON.parse is safe
    } catch {
      data = null;
    }
    if (!response.ok) {
      const detail = detailText(data && data.detail, text || `${response.status} ${response.statusText}`);
      if (response.status === 401 && state.session && !path.startsWith('/v1/auth/login') && !path.startsWith('/v1/auth/register')) {
        signOut('Your session has ended; please sign in again.');
      }
      throw new ApiError(response.status, detail);
    }
    return data;
  }

  const roomPath = (roomId) => `/v1/rooms/${encodeURIComponent(roomId)}`;

  // ---------------------------------------------------------------- errors

  function showError(message) {
    const banner = $('error-banner');
    $('error-text').textContent = message;
    banner.hidden = false;
    clearTimeout(state.errorTimer);
    state.errorTimer = setTimeout(() => { banner.hidden = true; }, 8000);
  }

  function showAuthError(message) {
    const box = $('auth-error');
    box.textContent = message;
    box.hidden = !message;
  }

  // ---------------------------------------------------------------- session

  function loadSession() {
    try {
      const saved = JSON.parse(localStorage.getItem(SESSION_KEY) || 'null');
      if (saved && saved.token && saved.user_id && saved.username) return saved;
    } catch {
      /* ignore a corrupt entry */
    }
    return null;
  }

  function saveSession(token) {
    state.session = { token: token.access_token, user_id: String(token.user_id), username: token.username };
    localStorage.setItem(SESSION_KEY, JSON.stringify(state.session));
  }

  async function authenticate(kind) {
    const username = $('auth-username').value.trim();
    const password = $('auth-password').value;
    if (!username || !password) {
      showAuthError('Enter a username and a password.');
      return;
    }
    showAuthError('');
    const buttons = [$('sign-in-button'), $('sign-up-button')];
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const token = await api('POST', `/v1/auth/${kind}`, { username, password });
      saveSession(token);
      $('auth-password').value = '';
      startChat();
    } catch (err) {
      showAuthError(err.message);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  function resetState() {
    closeSocket();
    clearTimeout(state.reconnectTimer);
    clearInterval(state.directoryTimer);
    Object.assign(state, {
      rooms: new Map(), unread: new Map(), counted: new Set(), directory: [], currentRoom: null,
      messages: new Map(), pending: new Map(), scores: new Map(), before: null, historyLoaded: false, loadingOlder: false,
      lastEventId: null, wsReady: false, everReady: false, attempts: 0,
    });
    state.roomLoad += 1;
  }

  function signOut(reason) {
    resetState();
    resetStats();
    state.session = null;
    localStorage.removeItem(SESSION_KEY);
    $('message-list').replaceChildren();
    $('chat-view').hidden = true;
    $('auth-view').hidden = false;
    showAuthError(reason || '');
    document.title = 'ChatCluster';
    $('auth-username').focus();
  }

  async function startChat() {
    resetState();
    $('auth-view').hidden = true;
    $('chat-view').hidden = false;
    $('current-user').textContent = state.session.username;
    renderRooms();
    showRoomHeader();
    applyView();
    connect();
    state.directoryTimer = setInterval(() => {
      refreshDirectory().catch(() => {});
      if (state.currentRoom) subtitleMembers(state.currentRoom, state.roomLoad);
    }, 30000);
    try {
      await refreshRooms();
    } catch (err) {
      showError(err.message);
    }
    refreshDirectory().catch((err) => showError(err.message));
    const last = localStorage.getItem(LAST_ROOM_KEY + state.session.user_id);
    if (last && state.rooms.has(last) && !state.currentRoom) openRoom(last);
  }

  // ---------------------------------------------------------------- rooms

  function dmPeer(room) {
    const me = state.session ? state.session.username.toLowerCase() : '';
    const names = room.name.split(' & ');
    return names.find((n) => n.toLowerCase() !== me) || room.name;
  }

  function roomLabel(room) {
    return room.kind === 'direct' ? dmPeer(room) : room.name;
  }

  async function refreshRooms() {
    const rooms = await api('GET', '/v1/rooms');
    if (!state.session) return;
    state.rooms = new Map(rooms.map((r) => [r.room_id, r]));
    if (state.currentRoom && !state.rooms.has(state.currentRoom)) closeRoom();
    renderRooms();
    renderDirectory();
    statsRoomsChanged();
  }

  let roomsRefreshQueued = false;
  function queueRoomsRefresh() {
    if (roomsRefreshQueued) return;
    roomsRefreshQueued = true;
    setTimeout(() => {
      roomsRefreshQueued = false;
      if (state.session) refreshRooms().catch(() => {});
    }, 200);
  }

  function renderRooms() {
    const groups = [];
    const dms = [];
    for (const room of state.rooms.values()) (room.kind === 'direct' ? dms : groups).push(room);
    const byLabel = (a, b) => roomLabel(a).localeCompare(roomLabel(b), undefined, { sensitivity: 'base' });
    $('room-list').replaceChildren(...groups.sort(byLabel).map(roomItem));
    $('dm-list').replaceChildren(...dms.sort(byLabel).map(roomItem));
    $('room-list-empty').hidden = groups.length > 0;
    let total = 0;
    for (const n of state.unread.values()) total += n;
    document.title = total ? `(${total}) ChatCluster` : 'ChatCluster';
  }

  function roomItem(room) {
    const li = document.createElement('li');
    li.className = 'room-item';
    li.dataset.testid = 'room-item';
    li.dataset.roomId = room.room_id;
    li.dataset.roomName = roomLabel(room);
    li.dataset.kind = room.kind;
    li.tabIndex = 0;
    li.setAttribute('role', 'button');
    if (room.room_id === state.currentRoom) {
      li.classList.add('active');
      li.setAttribute('aria-current', 'true');
    }
    const icon = document.createElement('span');
    icon.className = 'room-icon';
    if (room.kind === 'direct') {
      icon.classList.add('avatar', 'avatar-small');
      icon.textContent = roomLabel(room).charAt(0).toUpperCase();
      icon.style.background = avatarColor(roomLabel(room));
    } else {
      icon.textContent = '#';
    }
    const name = document.createElement('span');
    name.className = 'room-name';
    name.textContent = roomLabel(room);
    li.append(icon, name);
    const unread = state.unread.get(room.room_id) || 0;
    if (unread > 0) {
      li.classList.add('has-unread');
      const badge = document.createElement('span');
      badge.className = 'unread-badge';
      badge.dataset.testid = 'unread-badge';
      badge.textContent = unread > 99 ? '99+' : String(unread);
      li.append(badge);
    }
    li.addEventListener('click', () => {
      showChatView();
      openRoom(room.room_id);
    });
    li.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        showChatView();
        openRoom(room.room_id);
      }
    });
    return li;
  }

  async function refreshDirectory() {
    const rooms = await api('GET', '/v1/rooms/directory');
    if (!state.session) return;
    state.directory = rooms;
    renderDirectory();
    statsRoomsChanged();
  }

  function renderDirectory() {
    const open = state.directory.filter((r) => !state.rooms.has(r.room_id));
    $('directory-list').replaceChildren(...open.map((room) => {
      const li = document.createElement('li');
      li.className = 'directory-item';
      li.dataset.testid = 'directory-item';
      li.dataset.roomId = room.room_id;
      li.dataset.roomName = room.name;
      const name = document.createElement('span');
      name.className = 'room-name';
      name.textContent = `# ${room.name}`;
      const join = document.createElement('button');
      join.type = 'button';
      join.className = 'btn btn-small btn-ghost';
      join.dataset.testid = 'join-button';
      join.textContent = 'Join';
      join.addEventListener('click', () => joinRoom(room.room_id, join));
      li.append(name, join);
      return li;
    }));
    $('directory-empty').hidden = open.length > 0;
  }

  async function joinRoom(roomId, button) {
    button.disabled = true;
    try {
      const room = await api('POST', `${roomPath(roomId)}/join`);
      state.rooms.set(room.room_id, room);
      renderRooms();
      renderDirectory();
      showChatView();
      openRoom(room.room_id);
    } catch (err) {
      showError(err.message);
      button.disabled = false;
    }
  }

  async function createRoom(event) {
    event.preventDefault();
    const input = $('create-room-input');
    const name = input.value.trim();
    if (!name) {
      showError('Give the new room a name.');
      return;
    }
    try {
      const room = await api('POST', '/v1/rooms', { name });
      input.value = '';
      state.rooms.set(room.room_id, room);
      renderRooms();
      showChatView();
      openRoom(room.room_id);
    } catch (err) {
      showError(err.message);
    }
  }

  async function openDm(event) {
    event.preventDefault();
    const input = $('dm-input');
    const username = input.value.trim().replace(/^@/, '');
    if (!username) {
      showError('Type the username of the person to message.');
      return;
    }
    try {
      const room = await api('POST', `/v1/dms/${encodeURIComponent(username)}`);
      input.value = '';
      state.rooms.set(room.room_id, room);
      renderRooms();
      showChatView();
      openRoom(room.room_id);
    } catch (err) {
      showError(err.message);
    }
  }

  async function leaveRoom() {
    const roomId = state.currentRoom;
    if (!roomId) return;
    try {
      await api('POST', `${roomPath(roomId)}/leave`);
      state.rooms.delete(roomId);
      closeRoom();
      renderRooms();
      refreshDirectory().catch(() => {});
    } catch (err) {
      showError(err.message);
    }
  }

  // ---------------------------------------------------------------- the open room

  function showRoomHeader() {
    const room = state.rooms.get(state.currentRoom);
    $('room-title').textContent = room ? (room.kind === 'direct' ? `@${roomLabel(room)}` : `# ${room.name}`) : 'No room open';
    $('room-subtitle').textContent = room ? (room.kind === 'direct' ? 'Direct message' : 'Group room') : '';
    $('leave-room-button').hidden = !room || room.kind === 'direct';
    $('composer').hidden = !state.currentRoom;
    $('empty-state').hidden = !!state.currentRoom;
    $('composer-input').placeholder = room ? `Message ${room.kind === 'direct' ? '@' + roomLabel(room) : '#' + room.name}` : 'Write a message…';
  }

  function closeRoom() {
    state.currentRoom = null;
    state.messages.clear();
    state.before = null;
    state.historyLoaded = false;
    state.roomLoad += 1;
    $('message-list').replaceChildren();
    updateOlderControls();
    showRoomHeader();
    renderRooms();
  }

  async function openRoom(roomId) {
    if (!state.rooms.has(roomId)) return;
    const switching = roomId !== state.currentRoom;
    state.currentRoom = roomId;
    state.unread.delete(roomId);
    renderRooms();
    showRoomHeader();
    if (!switching && state.historyLoaded) return;
    localStorage.setItem(LAST_ROOM_KEY + state.session.user_id, roomId);
    state.messages.clear();
    state.before = null;
    state.historyLoaded = false;
    state.loadingOlder = false;
    const load = ++state.roomLoad;
    const list = $('message-list');
    list.replaceChildren();
    for (const p of state.pending.values()) if (p.room_id === roomId) list.append(pendingElement(p));
    updateOlderControls();
    $('composer-input').focus();
    let page;
    try {
      page = await api('GET', `${roomPath(roomId)}/messages?limit=${PAGE_SIZE}`);
    } catch (err) {
      if (load === state.roomLoad) showError(err.message);
      return;
    }
    if (load !== state.roomLoad) return;
    for (const m of page.messages) upsertMessage(m);
    state.before = page.before;
    state.historyLoaded = true;
    regroup();
    updateOlderControls();
    scrollToBottom();
    fillViewport();
    subtitleMembers(roomId, load);
  }

  async function subtitleMembers(roomId, load) {
    const room = state.rooms.get(roomId);
    if (!room || room.kind === 'direct') return;
    try {
      const members = await api('GET', `${roomPath(roomId)}/members`);
      if (load === state.roomLoad) {
        $('room-subtitle').textContent = `Group room · ${members.count} member${members.count === 1 ? '' : 's'}`;
      }
    } catch {
      /* the subtitle is decoration */
    }
  }

  function updateOlderControls() {
    const open = !!state.currentRoom && state.historyLoaded;
    $('load-older-button').hidden = !open || !state.before;
    $('load-older-button').disabled = state.loadingOlder;
    $('load-older-button').textContent = state.loadingOlder ? 'Loading…' : 'Load older messages';
    $('history-start').hidden = !open || !!state.before;
  }

  async function loadOlder() {
    if (state.loadingOlder || !state.before || !state.currentRoom) return;
    const load = state.roomLoad;
    const roomId = state.currentRoom;
    state.loadingOlder = true;
    updateOlderControls();
    const scroller = $('message-scroller');
    try {
      const page = await api('GET', `${roomPath(roomId)}/messages?limit=${PAGE_SIZE}&before=${state.before}`);
      if (load !== state.roomLoad) return;
      const height = scroller.scrollHeight;
      const top = scroller.scrollTop;
      for (const m of page.messages) upsertMessage(m);
      regroup();
      state.before = page.before;
      scroller.scrollTop = top + (scroller.scrollHeight - height); // keep the reader's place
    } catch (err) {
      if (load === state.roomLoad) showError(err.message);
    } finally {
      if (load === state.roomLoad) {
        state.loadingOlder = false;
        updateOlderControls();
      }
    }
  }

  function fillViewport() {
    const scroller = $('message-scroller');
    if (!state.before || scroller.scrollHeight > scroller.clientHeight) return;
    const cursor = state.before;
    loadOlder().then(() => {
      if (state.before !== cursor) fillViewport(); // stop if that page failed to load
    });
  }

  function isNearBottom() {
    const s = $('message-scroller');
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
  }

  function scrollToBottom() {
    const s = $('message-scroller');
    s.scrollTop = s.scrollHeight;
  }

  // ---------------------------------------------------------------- messages

  const template = () => $('message-template').content.firstElementChild.cloneNode(true);

  function fillMessage(el, m) {
    const own = isMe(m.author_id);
    const date = idDate(m.message_id);
    el.classList.toggle('own', own);
    el.classList.toggle('deleted', !!m.deleted);
    el.dataset.author = m.author;
    const avatar = el.querySelector('.avatar');
    avatar.textContent = m.author.charAt(0).toUpperCase();
    avatar.style.background = avatarColor(m.author);
    el.querySelector('.msg-author').textContent = m.author;
    const time = el.querySelector('.msg-time');
    time.textContent = formatTime(date);
    el.dataset.time = date ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '';
    if (date) {
      time.dateTime = date.toISOString();
      el.title = date.toLocaleString();
    }
    el.querySelector('.msg-text').textContent = m.deleted ? 'This message was deleted.' : m.text;
    el.querySelector('.msg-edited').hidden = !m.edited_at || !!m.deleted;
    paintSentiment(el, m);
    const canChange = own && !m.deleted;
    el.querySelector('[data-action="edit"]').hidden = !canChange;
    el.querySelector('[data-action="delete"]').hidden = !canChange;
    el.querySelector('[data-action="retry"]').hidden = true;
    el.querySelector('.msg-actions').hidden = !canChange;
    if (m.deleted) stopEditing(el);
  }

  // ---------------------------------------------------------------- sentiment badges

  const SENTIMENT_NAMES = { 1: 'positive', 0: 'neutral', '-1': 'negative' };

  // A live score counts when it is for the message's current text (same or later edit);
  // otherwise the score the message carries (history, or the last event) does.
  function currentSentiment(m) {
    if (m.deleted) return null;
    const live = state.scores.get(String(m.message_id));
    if (live && live.version >= editedMs(m)) return live.sentiment;
    return m.sentiment || null;
  }

  // The badge is drawn by CSS from data-label, so the span's own text stays empty.
  function paintSentiment(el, m) {
    const badge = el.querySelector('.sentiment');
    if (!badge) return;
    const s = currentSentiment(m);
    const name = s ? SENTIMENT_NAMES[String(s.label)] : undefined;
    if (!name) {
      badge.className = 'sentiment';
      for (const a of ['data-label', 'title', 'role', 'aria-label']) badge.removeAttribute(a);
      return;
    }
    badge.className = `sentiment sentiment-${name}`;
    badge.dataset.label = String(s.label);
    const confidence = typeof s.confidence === 'number' ? `${Math.round(s.confidence * 100)}% confidence` : 'confidence unknown';
    badge.title = `${name.charAt(0).toUpperCase()}${name.slice(1)} · ${confidence} · model ${s.model_version || 'unknown'}`;
    badge.setAttribute('role', 'img');
    badge.setAttribute('aria-label', `Sentiment: ${name}, ${confidence}`);
  }

  // A `scored` frame: may come before or after the message's own event.
  function handleScored(event) {
    if (!event || !event.message || !event.sentiment) return;
    const scored = event.message;
    const id = String(scored.message_id);
    const version = editedMs(scored);
    const known = state.scores.get(id);
    if (known && known.version > version) return; // a score of older text arrived late
    state.scores.delete(id); // re-insert so the map stays oldest-first
    state.scores.set(id, { sentiment: event.sentiment, version });
    while (state.scores.size > MAX_SCORES) state.scores.delete(state.scores.keys().next().value);
    const m = state.messages.get(id);
    if (!m || m.room_id !== state.currentRoom) return; // applied when the message renders
    const el = messageElement(id);
    if (el) paintSentiment(el, m);
  }

  function messageElement(id) {
    return $('message-list').querySelector(`li[data-message-id="${CSS.escape(String(id))}"]`);
  }

  function insertSorted(el, id) {
    const list = $('message-list');
    let node = list.lastElementChild;
    while (node && !node.dataset.messageId) node = node.previousElementSibling; // pending sit at the end
    while (node && (!node.dataset.messageId || cmpId(node.dataset.messageId, id) > 0)) node = node.previousElementSibling;
    if (node) node.after(el);
    else list.prepend(el);
  }

  const editedMs = (m) => (m.edited_at ? Date.parse(m.edited_at) : 0);

  // Adds or updates one message of the open room; the one place that touches its element.
  function upsertMessage(m) {
    resolvePending(m);
    if (m.room_id !== state.currentRoom) return;
    const id = String(m.message_id);
    const known = state.messages.get(id);
    let merged = m;
    if (known) {
      if (known.deleted) return; // a tombstone is final
      if (!m.deleted && editedMs(m) < editedMs(known)) return; // an older state arrived late
      merged = { ...known, ...m };
    }
    state.messages.set(id, merged);
    let el = messageElement(id);
    if (!el) {
      el = template();
      el.dataset.messageId = id;
      fillMessage(el, merged);
      insertSorted(el, id);
    } else {
      fillMessage(el, merged);
    }
  }

  function regroup() {
    let prev = null;
    for (const el of $('message-list').children) {
      const m = el.dataset.messageId ? state.messages.get(el.dataset.messageId) : null;
      let cont = false;
      if (m && prev && !m.deleted && !prev.deleted && prev.author_id === m.author_id) {
        const a = idDate(prev.message_id);
        const b = idDate(m.message_id);
        cont = a && b && b - a < GROUP_WITHIN_MS;
      }
      el.classList.toggle('cont', !!cont);
      prev = m;
    }
  }

  function handleEvent(event) {
    if (!event || !event.message) return;
    const m = event.message;
    state.lastEventId = maxId(state.lastEventId, event.event_id != null ? String(event.event_id) : null);
    if (!state.rooms.has(m.room_id)) queueRoomsRefresh();
    if (m.room_id === state.currentRoom) {
      const stick = isNearBottom() || isMe(m.author_id);
      if (event.kind === 'created' && ![...state.messages.values()].some((k) => k.author_id === m.author_id)) {
        subtitleMembers(m.room_id, state.roomLoad); // a new voice: the member count may have changed
      }
      upsertMessage(m);
      regroup();
      if (stick && event.kind === 'created') scrollToBottom();
      return;
    }
    resolvePending(m);
    if (event.kind === 'created' && !isMe(m.author_id) && !m.deleted && !state.counted.has(String(m.message_id))) {
      state.counted.add(String(m.message_id));
      if (state.counted.size > 5000) state.counted = new Set([...state.counted].slice(-2500));
      state.unread.set(m.room_id, (state.unread.get(m.room_id) || 0) + 1);
      renderRooms();
    }
  }

  // ---------------------------------------------------------------- editing

  function startEditing(el) {
    const id = el.dataset.messageId;
    const m = state.messages.get(id);
    if (!m || m.deleted || el.querySelector('.msg-editor')) return;
    const editor = document.createElement('form');
    editor.className = 'msg-editor';
    const input = document.createElement('textarea');
    input.dataset.testid = 'edit-input';
    input.value = m.text;
    input.maxLength = 4000;
    input.rows = Math.min(6, m.text.split('\n').length + 1);
    const save = document.createElement('button');
    save.type = 'submit';
    save.className = 'btn btn-primary btn-small';
    save.dataset.testid = 'edit-save-button';
    save.textContent = 'Save';
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.className = 'btn btn-link btn-small';
    cancel.textContent = 'Cancel';
    const hint = document.createElement('span');
    hint.className = 'hint';
    hint.textContent = 'Enter to save · Esc to cancel';
    const row = document.createElement('div');
    row.className = 'editor-actions';
    row.append(save, cancel, hint);
    editor.append(input, row);
    el.querySelector('.msg-line').hidden = true;
    el.querySelector('.msg-body').append(editor);
    el.classList.add('editing');
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
    cancel.addEventListener('click', () => stopEditing(el));
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') stopEditing(el);
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        editor.requestSubmit();
      }
    });
    editor.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) {
        showError('A message cannot be empty; delete it instead.');
        return;
      }
      if (text === m.text) {
        stopEditing(el);
        return;
      }
      save.disabled = true;
      try {
        const updated = await api('PATCH', `${roomPath(m.room_id)}/messages/${id}`, { text });
        stopEditing(el);
        upsertMessage(updated);
      } catch (err) {
        showError(err.message);
        save.disabled = false;
      }
    });
  }

  function stopEditing(el) {
    const editor = el.querySelector('.msg-editor');
    if (editor) editor.remove();
    el.querySelector('.msg-line').hidden = false;
    el.classList.remove('editing');
  }

  async function deleteMessage(el, button) {
    const id = el.dataset.messageId;
    const m = state.messages.get(id);
    if (!m) return;
    if (button.dataset.confirm !== 'yes') {
      button.dataset.confirm = 'yes';
      button.textContent = 'Really delete?';
      setTimeout(() => {
        button.dataset.confirm = '';
        button.textContent = 'Delete';
      }, 4000);
      return;
    }
    button.disabled = true;
    try {
      upsertMessage(await api('DELETE', `${roomPath(m.room_id)}/messages/${id}`));
      regroup();
    } catch (err) {
      showError(err.message);
    } finally {
      button.disabled = false;
    }
  }

  // ---------------------------------------------------------------- sending

  function pendingElement(p) {
    const el = template();
    el.classList.add('pending', 'own');
    el.dataset.testid = 'pending-message';
    el.dataset.clientId = p.client_id;
    const me = state.session.username;
    const avatar = el.querySelector('.avatar');
    avatar.textContent = me.charAt(0).toUpperCase();
    avatar.style.background = avatarColor(me);
    el.querySelector('.msg-author').textContent = me;
    el.querySelector('.msg-text').textContent = p.text;
    el.querySelector('[data-action="edit"]').hidden = true;
    el.querySelector('[data-action="delete"]').hidden = true;
    paintPending(el, p);
    return el;
  }

  function paintPending(el, p) {
    const status = el.querySelector('.msg-status');
    status.textContent = p.status === 'failed' ? `Not sent: ${p.error}` : p.status === 'sent' ? 'Sent' : 'Sending…';
    el.classList.toggle('failed', p.status === 'failed');
    el.querySelector('[data-action="retry"]').hidden = p.status !== 'failed';
    el.querySelector('.msg-actions').hidden = p.status !== 'failed';
  }

  function pendingEl(p) {
    return $('message-list').querySelector(`li[data-client-id="${CSS.escape(p.client_id)}"]`);
  }

  function updatePending(p) {
    const el = pendingEl(p);
    if (el) paintPending(el, p);
  }

  function dropPending(p) {
    state.pending.delete(p.client_id);
    const el = pendingEl(p);
    if (el) el.remove();
  }

  function resolvePending(m) {
    if (!state.pending.size || !isMe(m.author_id)) return;
    for (const p of state.pending.values()) {
      if ((m.client_id && p.client_id === m.client_id) || (p.message_id && String(p.message_id) === String(m.message_id))) {
        dropPending(p);
      }
    }
  }

  function sendMessage(event) {
    event.preventDefault();
    const input = $('composer-input');
    const text = input.value.trim();
    if (!text || !state.currentRoom) return;
    const p = { client_id: newClientId(), ref: null, room_id: state.currentRoom, text, status: 'sending', error: null, message_id: null };
    state.pending.set(p.client_id, p);
    $('message-list').append(pendingElement(p));
    input.value = '';
    autoGrow();
    scrollToBottom();
    transmit(p);
  }

  // Sends over the socket when it is up, else over REST; the client_id makes repeats harmless.
  function transmit(p) {
    p.status = 'sending';
    p.error = null;
    updatePending(p);
    const ws = state.ws;
    if (ws && state.wsReady && ws.readyState === WebSocket.OPEN) {
      p.ref = `m${++state.refSeq}`;
      p.via = 'ws';
      ws.send(JSON.stringify({ type: 'send', ref: p.ref, room_id: p.room_id, text: p.text, client_id: p.client_id }));
      return;
    }
    p.via = 'rest';
    p.ref = null;
    api('POST', `${roomPath(p.room_id)}/messages`, { text: p.text, client_id: p.client_id })
      .then((answer) => {
        if (answer && answer.message_id) accepted(p, answer.message_id);
      })
      .catch((err) => {
        if (!state.pending.has(p.client_id)) return;
        if (err.status === 0 || err.status >= 500) {
          p.status = 'waiting'; // retried when the socket is back
          p.error = err.message;
        } else {
          p.status = 'failed';
          p.error = err.message;
          showError(err.message);
        }
        updatePending(p);
      });
  }

  function accepted(p, messageId) {
    p.message_id = String(messageId);
    if (!state.pending.has(p.client_id)) return;
    if (state.messages.has(p.message_id)) {
      dropPending(p);
      return;
    }
    p.status = 'sent';
    updatePending(p);
  }

  function flushPending() {
    for (const p of state.pending.values()) {
      if (p.status === 'waiting' || (p.status === 'sending' && p.via === 'ws')) transmit(p);
    }
  }

  function pendingByRef(ref) {
    if (ref == null) return null;
    for (const p of state.pending.values()) if (p.ref === ref) return p;
    return null;
  }

  // ---------------------------------------------------------------- the socket

  function setConnection(stateName, label) {
    const el = $('connection-status');
    el.dataset.state = stateName;
    el.textContent = label;
    el.title = label;
  }

  function connect() {
    if (!state.session) return;
    clearTimeout(state.reconnectTimer);
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    let url = `${proto}//${location.host}/v1/ws?token=${encodeURIComponent(state.session.token)}`;
    const since = state.lastEventId;
    if (since) url += `&since=${since}`;
    const ws = new WebSocket(url);
    state.ws = ws;
    state.wsReady = false;
    setConnection('connecting', state.everReady ? 'Reconnecting…' : 'Connecting…');
    ws.addEventListener('message', (e) => {
      if (ws !== state.ws) return;
      let frame;
      try {
        frame = JSON.parse(e.data);
      } catch {
        return;
      }
      onFrame(frame, since);
    });
    ws.addEventListener('close', (e) => {
      if (ws !== state.ws) return;
      state.ws = null;
      state.wsReady = false;
      stopPing();
      if (e.code === 4401) {
        signOut('Your session has ended; please sign in again.');
        return;
      }
      scheduleReconnect();
    });
  }

  function closeSocket() {
    const ws = state.ws;
    state.ws = null;
    state.wsReady = false;
    stopPing();
    if (ws) {
      try {
        ws.close(1000, 'bye');
      } catch {
        /* already closed */
      }
    }
  }

  function scheduleReconnect() {
    if (!state.session) return;
    clearTimeout(state.reconnectTimer);
    const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** state.attempts);
    const delay = Math.round(base * (0.5 + Math.random() * 0.5));
    state.attempts += 1;
    setConnection('offline', `Offline · retrying in ${Math.ceil(delay / 1000)}s`);
    state.reconnectTimer = setTimeout(connect, delay);
  }

  function startPing() {
    stopPing();
    state.pingTimer = setInterval(() => {
      const ws = state.ws;
      if (!ws || ws.readyState !== WebSocket.OPEN) return;
      ws.send(JSON.stringify({ type: 'ping', ref: 'ping' }));
      clearTimeout(state.pongTimer);
      state.pongTimer = setTimeout(() => {
        // No answer: treat the socket as dead now rather than waiting for TCP to notice.
        if (state.ws === ws) {
          closeSocket();
          scheduleReconnect();
        }
      }, PONG_TIMEOUT_MS);
    }, PING_EVERY_MS);
  }

  function stopPing() {
    clearInterval(state.pingTimer);
    clearTimeout(state.pongTimer);
  }

  function onFrame(frame, since) {
    switch (frame.type) {
      case 'ready': {
        const reconnect = state.everReady;
        state.wsReady = true;
        state.everReady = true;
        state.attempts = 0;
        setConnection('online', 'Live');
        startPing();
        if (reconnect) {
          refreshRooms().catch(() => {});
          if (!since) catchUp();
        }
        flushPending();
        break;
      }
      case 'event':
        handleEvent(frame.event);
        break;
      case 'scored':
        handleScored(frame.event);
        break;
      case 'replay_done':
        if (frame.truncated && state.currentRoom) {
          const roomId = state.currentRoom;
          state.currentRoom = null;
          state.historyLoaded = false;
          openRoom(roomId);
        }
        break;
      case 'ack': {
        const p = pendingByRef(frame.ref);
        if (p) accepted(p, frame.message_id);
        break;
      }
      case 'error': {
        const p = pendingByRef(frame.ref);
        const detail = detailText(frame.detail, 'the server refused the request');
        if (p) {
          p.status = 'failed';
          p.error = detail;
          updatePending(p);
        }
        if (frame.status !== 401) showError(detail);
        break;
      }
      case 'joined':
        if (frame.room && frame.room.room_id) {
          state.rooms.set(frame.room.room_id, frame.room);
          renderRooms();
          renderDirectory();
          // Live events of this room flow from now on; fetch anything sent before that.
          if (frame.room.room_id === state.currentRoom) catchUp();
        }
        queueRoomsRefresh();
        break;
      case 'left':
        if (frame.room && frame.room.room_id) {
          state.rooms.delete(frame.room.room_id);
          state.unread.delete(frame.room.room_id);
          if (state.currentRoom === frame.room.room_id) closeRoom();
          renderRooms();
          renderDirectory();
        }
        queueRoomsRefresh();
        break;
      case 'pong':
        clearTimeout(state.pongTimer);
        break;
      default:
        break;
    }
  }

  // After a reconnect without a `since` (no event seen yet), fetch what the open room missed.
  async function catchUp() {
    const roomId = state.currentRoom;
    if (!roomId || !state.historyLoaded) return;
    const load = state.roomLoad;
    let newest = null;
    for (const id of state.messages.keys()) newest = maxId(newest, id);
    const query = newest ? `after=${newest}&limit=200` : `limit=${PAGE_SIZE}`;
    try {
      const page = await api('GET', `${roomPath(roomId)}/messages?${query}`);
      if (load !== state.roomLoad) return;
      const stick = isNearBottom();
      for (const m of page.messages) upsertMessage(m);
      regroup();
      if (stick) scrollToBottom();
    } catch {
      /* the next event or reconnect will try again */
    }
  }

  // ---------------------------------------------------------------- views: chat and #stats

  const STATS_REFRESH_MS = 5000;
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const SERIES_COLORS = ['#4f46e5', '#0891b2', '#16a34a', '#ca8a04', '#db2777', '#ea580c', '#9333ea', '#0d9488'];
  const OTHERS_COLOR = '#b6bac8';
  const SENTIMENT_COLORS = { positive: '#22a55a', neutral: '#b6bac8', negative: '#e0464b', mean: '#4f46e5' };
  const STEP_MS = { minute: 60000, hour: 3600000, day: 86400000 };
  const STEP_SLOTS = { minute: 120, hour: 48, day: 30 };
  const STEP_RANGE = { minute: 'last 2 hours, per minute', hour: 'last 48 hours, per hour', day: 'last 30 days, per UTC day' };
  const MAX_CONTINUOUS_DAYS = 120;

  const stats = {
    open: false,
    timer: null,
    busy: false,
    daysRange: '30',
    step: 'hour',
    window: 'day',
    room: '', // '' is every room
    roomChosen: false,
    roomOptions: '',
    seq: {},
    data: {},
  };

  function currentView() {
    return location.hash === '#stats' ? 'stats' : 'chat';
  }

  function applyView() {
    const view = currentView();
    $('chat-main').hidden = view !== 'chat';
    $('stats-main').hidden = view !== 'stats';
    for (const tab of document.querySelectorAll('.view-tab')) {
      const on = tab.dataset.view === view;
      tab.classList.toggle('active', on);
      if (on) tab.setAttribute('aria-current', 'page');
      else tab.removeAttribute('aria-current');
    }
    if (view === 'stats' && state.session && !$('chat-view').hidden) openStats();
    else closeStats();
  }

  // Going to a room from the stats view shows the chat again.
  function showChatView() {
    if (currentView() === 'chat') return;
    history.pushState(null, '', location.pathname + location.search);
    applyView();
  }

  function openStats() {
    if (stats.open) return;
    stats.open = true;
    if (!stats.roomChosen) {
      const room = state.rooms.get(state.currentRoom);
      stats.room = room ? room.room_id : '';
    }
    syncStatsControls();
    renderRoomOptions();
    refreshStats();
    stats.timer = setInterval(() => {
      if (!document.hidden) refreshStats();
    }, STATS_REFRESH_MS);
  }

  function closeStats() {
    stats.open = false;
    clearInterval(stats.timer);
    stats.timer = null;
  }

  function resetStats() {
    closeStats();
    Object.assign(stats, { room: '', roomChosen: false, roomOptions: '', data: {} });
    stats.seq = {};
  }

  async function refreshStats() {
    if (!stats.open || stats.busy) return;
    stats.busy = true;
    try {
      renderRoomOptions();
      await Promise.all([loadRate(), loadFailed(), loadDays(), loadSentiment(), loadTop()]);
      if (stats.open) {
        const time = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
        $('stats-updated').textContent = `Updated ${time} · refreshes every 5 s`;
      }
    } finally {
      stats.busy = false;
    }
  }

  // Fetches one panel's data; a later request of the same panel wins over a slower earlier one.
  async function loadPanel(key, testid, fetcher, render) {
    const seq = (stats.seq[key] = (stats.seq[key] || 0) + 1);
    const box = document.querySelector(`[data-testid="${testid}"] .panel-error`);
    try {
      const data = await fetcher();
      if (seq !== stats.seq[key] || !stats.open) return;
      stats.data[key] = data;
      box.hidden = true;
      render(data);
    } catch (err) {
      if (seq !== stats.seq[key] || !stats.open) return;
      box.textContent = `Could not load: ${err.message}`;
      box.hidden = false;
    }
  }

  function syncStatsControls() {
    for (const [group, value] of [['days-range', stats.daysRange], ['sentiment-step', stats.step], ['top-window', stats.window]]) {
      for (const button of $(group).querySelectorAll('button')) {
        const on = button.dataset.value === value;
        button.classList.toggle('on', on);
        button.setAttribute('aria-pressed', String(on));
      }
    }
  }

  // ------------------------------------------------ small SVG and formatting helpers

  function svgEl(tag, attrs, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v != null) el.setAttribute(k, String(v));
    for (const c of children) if (c != null) el.append(c);
    return el;
  }

  const tip = (text) => svgEl('title', {}, text);

  function chartBox(container, height) {
    const width = Math.max(280, Math.floor(container.clientWidth || 600));
    const svg = svgEl('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img' });
    return { svg, width, height };
  }

  function emptyChart(container, height, text) {
    const { svg, width } = chartBox(container, height);
    svg.append(svgEl('text', { x: width / 2, y: height / 2, class: 'chart-empty', 'text-anchor': 'middle' }, text));
    container.replaceChildren(svg);
  }

  // A round axis maximum and its tick step, for whole-number counts.
  function niceScale(max, ticks = 4) {
    if (!(max > 0)) return { max: ticks, step: 1 };
    const raw = max / ticks;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const step = Math.max(1, [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw));
    return { max: Math.ceil(max / step) * step, step };
  }

  const fmtInt = (n) => Number(n).toLocaleString();
  const fmtSigned = (x) => (x > 0 ? '+' : x < 0 ? '−' : '') + Math.abs(x).toFixed(2);
  const isoDay = (date) => date.toISOString().slice(0, 10);

  function addDays(day, n) {
    const d = new Date(`${day}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + n);
    return isoDay(d);
  }

  function dayLabel(day, withYear) {
    const opts = { month: 'short', day: 'numeric', timeZone: 'UTC' };
    if (withYear) opts.year = 'numeric';
    return new Date(`${day}T00:00:00Z`).toLocaleDateString([], opts);
  }

  function yAxis(svg, plot, scale, format = fmtInt) {
    for (let v = 0; v <= scale.max + 1e-9; v += scale.step) {
      const y = plot.bottom - (v / scale.max) * (plot.bottom - plot.top);
      svg.append(svgEl('line', { x1: plot.left, x2: plot.right, y1: y, y2: y, class: v === 0 ? 'axis-base' : 'grid' }));
      svg.append(svgEl('text', { x: plot.left - 6, y: y + 4, class: 'tick', 'text-anchor': 'end' }, format(v)));
    }
  }

  // X labels under n evenly spaced bands, thinned out so they never overlap; the newest band
  // always gets one. labelOf(i, previous shown i or -1) gives a line, or [line, second line].
  function xLabels(svg, plot, n, labelOf, minGap = 58) {
    const band = (plot.right - plot.left) / n;
    const every = Math.max(1, Math.ceil(minGap / band));
    let previous = -1;
    for (let i = (n - 1) % every; i < n; i += every) {
      const label = labelOf(i, previous);
      previous = i;
      const [first, second] = Array.isArray(label) ? label : [label];
      const x = plot.left + band * (i + 0.5);
      const text = svgEl('text', { x, y: plot.bottom + 17, class: 'tick', 'text-anchor': 'middle' }, first);
      if (second) text.append(svgEl('tspan', { x, dy: 14, class: 'tick-date' }, second));
      svg.append(text);
    }
  }

  // ------------------------------------------------ messages per day per user

  function loadDays() {
    const today = isoDay(new Date());
    const from = stats.daysRange === 'all' ? null : addDays(today, -(Number(stats.daysRange) - 1));
    const query = `group_by=${encodeURIComponent('user,date')}${from ? `&from=${from}` : ''}`;
    return loadPanel('days', 'panel-messages-per-day', async () => ({
      rows: (await api('GET', `/v1/stats/messages?${query}`)).rows, from, today,
    }), renderDays);
  }

  function renderDays({ rows, from, today }) {
    const container = $('days-chart');
    const totals = new Map(); // username -> count
    const byDay = new Map(); // day -> Map(username -> count)
    for (const r of rows) {
      if (!r.day || r.count <= 0) continue;
      const user = r.username || String(r.user_id);
      totals.set(user, (totals.get(user) || 0) + r.count);
      if (!byDay.has(r.day)) byDay.set(r.day, new Map());
      const cell = byDay.get(r.day);
      cell.set(user, (cell.get(user) || 0) + r.count);
    }
    const users = [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    // The top users get their own colour; the rest share "others" so the colours stay tellable apart.
    const ownColour = users.length <= SERIES_COLORS.length ? users.length : SERIES_COLORS.length - 1;
    const colour = new Map(users.map(([u], i) => [u, i < ownColour ? SERIES_COLORS[i] : OTHERS_COLOR]));
    const series = users.slice(0, ownColour).map(([u]) => u);
    const othersLabel = users.length > ownColour ? `${users.length - ownColour} others` : null;

    let days = [];
    const seen = [...byDay.keys()].sort();
    let start = from;
    if (!start && seen.length) start = seen[0];
    const end = seen.length && seen[seen.length - 1] > today ? seen[seen.length - 1] : today;
    const span = start ? Math.round((Date.parse(end) - Date.parse(start)) / 86400000) + 1 : 0;
    let sparse = false;
    if (start && span <= MAX_CONTINUOUS_DAYS) for (let d = start; d <= end; d = addDays(d, 1)) days.push(d);
    else {
      days = seen;
      sparse = seen.length > 0;
    }

    // Legend and the table of numbers.
    $('days-legend').replaceChildren(...users.slice(0, ownColour).map(([u, n]) => legendEntry(u, n, colour.get(u))));
    if (othersLabel) {
      const rest = users.slice(ownColour).reduce((sum, [, n]) => sum + n, 0);
      $('days-legend').append(legendEntry(othersLabel, rest, OTHERS_COLOR, true));
    }
    if (sparse) {
      const note = document.createElement('li');
      note.className = 'legend-note';
      note.textContent = 'Days without messages are left out.';
      $('days-legend').append(note);
    }
    const tableRows = [];
    for (const day of [...seen].reverse()) {
      const cell = [...byDay.get(day).entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      for (const [user, n] of cell) {
        const tr = document.createElement('tr');
        tr.dataset.testid = 'per-day-row';
        tr.dataset.day = day;
        tr.dataset.user = user;
        tr.dataset.count = String(n);
        for (const [text, cls] of [[day, ''], [user, ''], [fmtInt(n), 'num']]) {
          const td = document.createElement('td');
          td.textContent = text;
          if (cls) td.className = cls;
          tr.append(td);
        }
        tableRows.push(tr);
      }
    }
    $('days-table').replaceChildren(...tableRows);

    if (!rows.length || !days.length) {
      emptyChart(container, 160, 'No messages in this period.');
      return;
    }
    const { svg, width, height } = chartBox(container, 240);
    svg.setAttribute('aria-label', 'Messages per day, stacked by user');
    const plot = { left: 44, right: width - 12, top: 20, bottom: height - 28 };
    const dayTotal = (d) => (byDay.has(d) ? [...byDay.get(d).values()].reduce((a, b) => a + b, 0) : 0);
    const scale = niceScale(Math.max(...days.map(dayTotal)));
    yAxis(svg, plot, scale);
    const band = (plot.right - plot.left) / days.length;
    const barW = Math.max(2, Math.min(44, band * 0.72));
    const yOf = (v) => plot.bottom - (v / scale.max) * (plot.bottom - plot.top);
    const multiYear = days[0].slice(0, 4) !== days[days.length - 1].slice(0, 4);
    days.forEach((day, i) => {
      const cell = byDay.get(day);
      const total = dayTotal(day);
      const x = plot.left + band * i + (band - barW) / 2;
      const group = svgEl('g', { class: 'bar-group', 'data-testid': 'per-day-day', 'data-day': day, 'data-count': total });
      const lines = cell ? [...cell.entries()].sort((a, b) => b[1] - a[1]).map(([u, n]) => `${u}: ${fmtInt(n)}`) : [];
      group.append(svgEl('rect', { x: plot.left + band * i, y: plot.top, width: band, height: plot.bottom - plot.top, class: 'hit' },
        tip(`${dayLabel(day, true)} · ${fmtInt(total)} message${total === 1 ? '' : 's'}${lines.length ? '\n' + lines.join('\n') : ''}`)));
      if (cell) {
        let acc = 0;
        const stack = [...series.filter((u) => cell.has(u)), ...[...cell.keys()].filter((u) => !series.includes(u))];
        for (const user of stack) {
          const n = cell.get(user);
          const y0 = yOf(acc);
          acc += n;
          const y1 = yOf(acc);
          group.append(svgEl('rect', {
            x, y: y1, width: barW, height: Math.max(0, y0 - y1 - (acc < total ? 1 : 0)), fill: colour.get(user),
            'data-testid': 'per-day-bar', 'data-day': day, 'data-user': user, 'data-count': n,
          }, tip(`${dayLabel(day, true)} · ${user}: ${fmtInt(n)}`)));
        }
        if (band >= 18) {
          group.append(svgEl('text', {
            x: x + barW / 2, y: yOf(total) - 5, class: 'bar-total', 'text-anchor': 'middle',
            'data-testid': 'per-day-total', 'data-day': day,
          }, fmtInt(total)));
        }
      }
      svg.append(group);
    });
    xLabels(svg, plot, days.length, (i) => dayLabel(days[i], multiYear), multiYear ? 84 : 54);
    container.replaceChildren(svg);
  }

  function legendEntry(name, count, fill, others) {
    const li = document.createElement('li');
    li.dataset.testid = 'per-day-legend-entry';
    if (!others) li.dataset.user = name;
    li.dataset.count = String(count);
    const swatch = document.createElement('i');
    swatch.className = 'swatch';
    swatch.style.background = fill;
    const label = document.createElement('span');
    label.className = 'legend-name';
    label.dataset.testid = 'legend-name';
    label.textContent = name;
    const value = document.createElement('span');
    value.className = 'legend-count';
    value.dataset.testid = 'legend-count';
    value.textContent = fmtInt(count);
    li.append(swatch, label, value);
    return li;
  }

  // ------------------------------------------------ sentiment over time

  function roomName(roomId) {
    const mine = state.rooms.get(roomId);
    if (mine) return mine.kind === 'direct' ? `@${roomLabel(mine)}` : mine.name;
    const listed = state.directory.find((r) => r.room_id === roomId);
    return listed ? listed.name : null;
  }

  function renderRoomOptions() {
    const select = $('sentiment-room');
    const mine = [...state.rooms.values()].sort((a, b) => roomLabel(a).localeCompare(roomLabel(b), undefined, { sensitivity: 'base' }));
    const others = state.directory.filter((r) => !state.rooms.has(r.room_id))
      .sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }));
    const known = new Set([...mine, ...others].map((r) => r.room_id));
    const signature = JSON.stringify([mine.map((r) => [r.room_id, roomLabel(r)]), others.map((r) => [r.room_id, r.name]), stats.room]);
    if (signature === stats.roomOptions) return; // rebuilding would close an open drop-down
    stats.roomOptions = signature;
    const option = (value, text) => {
      const o = document.createElement('option');
      o.value = value;
      o.textContent = text;
      return o;
    };
    const children = [option('', 'All rooms')];
    if (stats.room && !known.has(stats.room)) children.push(option(stats.room, `Room ${stats.room}`));
    for (const [label, rooms] of [['My rooms', mine], ['Other rooms', others]]) {
      if (!rooms.length) continue;
      const group = document.createElement('optgroup');
      group.label = label;
      group.append(...rooms.map((r) => option(r.room_id, r.kind === 'direct' ? `@${roomLabel(r)}` : `# ${r.name}`)));
      children.push(group);
    }
    select.replaceChildren(...children);
    select.value = stats.room;
  }

  function loadSentiment() {
    const step = stats.step;
    const ms = STEP_MS[step];
    const slots = STEP_SLOTS[step];
    const end = Math.floor(Date.now() / ms) * ms + ms; // the end of the step now filling
    const start = end - slots * ms;
    const room = stats.room;
    const query = new URLSearchParams({ step, from: new Date(start).toISOString(), to: new Date(end).toISOString() });
    if (room) query.set('room', room);
    return loadPanel('sentiment', 'panel-sentiment', async () => ({
      points: (await api('GET', `/v1/stats/sentiment?${query}`)).points, step, start, slots, room,
    }), renderSentiment);
  }

  function slotLabel(time, step, withDate) {
    const d = new Date(time);
    if (step === 'day') return d.toLocaleDateString([], { month: 'short', day: 'numeric', timeZone: 'UTC' });
    const hm = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    return withDate ? `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${hm}` : hm;
  }

  // Time on the first line; the date under it on the first label and wherever the day changes.
  function slotAxisLabel(start, ms, step) {
    return (i, previous) => {
      const time = start + i * ms;
      if (step === 'day') return slotLabel(time, step, false);
      const hm = slotLabel(time, step, false);
      const day = new Date(time).toDateString();
      if (previous >= 0 && new Date(start + previous * ms).toDateString() === day) return hm;
      return [hm, new Date(time).toLocaleDateString([], { month: 'short', day: 'numeric' })];
    };
  }

  function renderSentiment({ points, step, start, slots }) {
    const ms = STEP_MS[step];
    const bySlot = new Map();
    const sum = { positive: 0, neutral: 0, negative: 0 };
    for (const p of points) {
      const i = Math.floor((Date.parse(p.start) - start) / ms);
      if (i < 0 || i >= slots) continue;
      bySlot.set(i, p);
      sum.positive += p.positive;
      sum.neutral += p.neutral;
      sum.negative += p.negative;
    }
    const total = sum.positive + sum.neutral + sum.negative;
    $('sentiment-positive').textContent = fmtInt(sum.positive);
    $('sentiment-neutral').textContent = fmtInt(sum.neutral);
    $('sentiment-negative').textContent = fmtInt(sum.negative);
    $('sentiment-mean').textContent = total ? fmtSigned((sum.positive - sum.negative) / total) : '–';
    $('sentiment-range').textContent = `${fmtInt(total)} scored message${total === 1 ? '' : 's'} · ${STEP_RANGE[step]}`;

    const container = $('sentiment-chart');
    if (!total) {
      emptyChart(container, 160, 'No scored messages in this period.');
      return;
    }
    const { svg, width, height } = chartBox(container, 312);
    svg.setAttribute('aria-label', 'Sentiment counts per step, and below them the mean sentiment per step');
    // Counts on top; the mean (-1 … +1) in its own strip below, on the same time axis.
    const plot = { left: 44, right: width - 12, top: 14, bottom: 190 };
    const strip = { top: 212, bottom: height - 42 };
    const totalOf = (p) => p.positive + p.neutral + p.negative;
    const scale = niceScale(Math.max(...[...bySlot.values()].map(totalOf)));
    yAxis(svg, plot, scale);
    const meanY = (m) => strip.top + ((1 - m) / 2) * (strip.bottom - strip.top);
    svg.append(svgEl('text', { x: plot.left, y: strip.top - 6, class: 'tick tick-mean' }, 'Mean'));
    for (const m of [1, 0, -1]) {
      svg.append(svgEl('line', { x1: plot.left, x2: plot.right, y1: meanY(m), y2: meanY(m), class: m === 0 ? 'mean-zero' : 'grid' }));
      svg.append(svgEl('text', { x: plot.left - 6, y: meanY(m) + 4, class: 'tick tick-mean', 'text-anchor': 'end' }, m > 0 ? '+1' : m < 0 ? '−1' : '0'));
    }
    const band = (plot.right - plot.left) / slots;
    const barW = Math.max(1, Math.min(36, band * 0.75));
    const yOf = (v) => plot.bottom - (v / scale.max) * (plot.bottom - plot.top);
    const dots = [];
    let run = [];
    const runs = [run];
    for (let i = 0; i < slots; i += 1) {
      const p = bySlot.get(i);
      if (!p || !totalOf(p)) {
        if (run.length) runs.push((run = []));
        continue;
      }
      const time = start + i * ms;
      const x = plot.left + band * i + (band - barW) / 2;
      const title = `${slotLabel(time, step, true)} · ${p.positive} positive, ${p.neutral} neutral, ${p.negative} negative · mean ${fmtSigned(p.mean)}`;
      const group = svgEl('g', {
        class: 'bar-group', 'data-testid': 'sentiment-bar', 'data-start': new Date(time).toISOString(),
        'data-positive': p.positive, 'data-neutral': p.neutral, 'data-negative': p.negative, 'data-mean': p.mean,
      });
      group.append(svgEl('rect', { x: plot.left + band * i, y: plot.top, width: band, height: strip.bottom - plot.top, class: 'hit' }, tip(title)));
      let acc = 0;
      for (const kind of ['negative', 'neutral', 'positive']) {
        const n = p[kind];
        if (!n) continue;
        const y0 = yOf(acc);
        acc += n;
        const y1 = yOf(acc);
        group.append(svgEl('rect', { x, y: y1, width: barW, height: Math.max(0, y0 - y1 - (acc < totalOf(p) ? 1 : 0)), fill: SENTIMENT_COLORS[kind] }, tip(title)));
      }
      svg.append(group);
      const point = [plot.left + band * (i + 0.5), meanY(p.mean), title];
      run.push(point);
      dots.push(point);
    }
    // The mean line joins neighbouring steps only: a gap means no messages, not a trend.
    for (const r of runs) {
      if (r.length < 2) continue;
      svg.append(svgEl('polyline', { points: r.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' '), class: 'mean-line' }));
    }
    const dotR = Math.max(1.5, Math.min(3, band / 3));
    for (const [x, y, title] of dots) svg.append(svgEl('circle', { cx: x, cy: y, r: dotR, class: 'mean-dot' }, tip(title)));
    xLabels(svg, { ...plot, bottom: strip.bottom + 2 }, slots, slotAxisLabel(start, ms, step), step === 'day' ? 54 : 70);
    container.replaceChildren(svg);
  }

  // ------------------------------------------------ top words, users, rooms

  function loadTop() {
    const win = stats.window;
    return loadPanel('top', 'panel-top', async () => {
      const [words, users, rooms] = await Promise.all(
        ['words', 'users', 'rooms'].map((kind) => api('GET', `/v1/stats/top/${kind}?window=${win}&limit=10`)),
      );
      return { words: words.entries, users: users.entries, rooms: rooms.entries };
    }, renderTop);
  }

  function renderTop(data) {
    for (const kind of ['words', 'users', 'rooms']) {
      const entries = data[kind];
      const list = $(`top-${kind}`);
      if (!entries.length) {
        const li = document.createElement('li');
        li.className = 'top-empty';
        li.textContent = 'Nothing in this window.';
        list.replaceChildren(li);
        continue;
      }
      const max = Math.max(...entries.map((e) => e.count));
      list.replaceChildren(...entries.map((e, i) => {
        const li = document.createElement('li');
        li.className = 'top-entry';
        li.dataset.testid = `top-${kind}-entry`;
        li.dataset.key = e.key;
        li.dataset.count = String(e.count);
        const rank = document.createElement('span');
        rank.className = 'top-rank';
        rank.textContent = String(i + 1);
        const name = document.createElement('span');
        name.className = 'top-name';
        name.dataset.testid = 'entry-name';
        if (kind === 'rooms') {
          const known = roomName(e.key);
          name.textContent = known ? (known.startsWith('@') ? known : `# ${known}`) : e.key;
          name.title = known ? `Room id ${e.key}` : 'A room you do not know the name of (its id)';
          if (known) li.dataset.name = known;
          else name.classList.add('unknown');
        } else {
          name.textContent = e.key;
          name.title = e.key;
        }
        const count = document.createElement('span');
        count.className = 'top-count';
        count.dataset.testid = 'entry-count';
        count.textContent = fmtInt(e.count);
        const bar = document.createElement('span');
        bar.className = 'top-bar';
        bar.style.width = `${Math.max(2, (e.count / max) * 100)}%`;
        li.append(bar, rank, name, count);
        return li;
      }));
    }
  }

  // ------------------------------------------------ rate

  function loadRate() {
    return loadPanel('rate', 'panel-rate', () => api('GET', '/v1/stats/rate'), renderRate);
  }

  function renderRate(rate) {
    const counts = rate.points.map((p) => p.count);
    const total = counts.reduce((a, b) => a + b, 0);
    const peak = counts.length ? Math.max(...counts) : 0;
    $('rate-mean').textContent = rate.per_second.toFixed(2);
    $('rate-total').textContent = fmtInt(total);
    $('rate-peak').textContent = fmtInt(peak);
    const container = $('rate-chart');
    const { svg, width, height } = chartBox(container, 72);
    svg.setAttribute('aria-label', `Messages per second over the last ${rate.window_seconds} seconds`);
    const plot = { left: 2, right: width - 2, top: 6, bottom: height - 4 };
    const top = Math.max(peak, rate.per_second, 1);
    const n = Math.max(1, counts.length - 1);
    const xOf = (i) => plot.left + (i / n) * (plot.right - plot.left);
    const yOf = (v) => plot.bottom - (v / top) * (plot.bottom - plot.top);
    const pts = counts.map((c, i) => `${xOf(i).toFixed(1)},${yOf(c).toFixed(1)}`);
    svg.append(svgEl('line', { x1: plot.left, x2: plot.right, y1: plot.bottom, y2: plot.bottom, class: 'axis-base' }));
    if (pts.length) {
      svg.append(svgEl('path', { d: `M${xOf(0)},${plot.bottom} L${pts.join(' L')} L${xOf(counts.length - 1)},${plot.bottom} Z`, class: 'spark-area' }));
      svg.append(svgEl('polyline', { points: pts.join(' '), class: 'spark-line' }));
      const last = counts.length - 1;
      svg.append(svgEl('circle', { cx: xOf(last), cy: yOf(counts[last]), r: 3, class: 'spark-dot' }));
    }
    const meanY = yOf(rate.per_second);
    svg.append(svgEl('line', { x1: plot.left, x2: plot.right, y1: meanY, y2: meanY, class: 'spark-mean' },
      tip(`Mean ${rate.per_second.toFixed(2)} messages per second`)));
    const band = (plot.right - plot.left) / Math.max(1, counts.length);
    rate.points.forEach((p, i) => {
      const when = new Date(p.second).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
      svg.append(svgEl('rect', { x: plot.left + band * i, y: 0, width: band, height, class: 'hit' },
        tip(`${when} · ${p.count} message${p.count === 1 ? '' : 's'}`)));
    });
    container.replaceChildren(svg);
  }

  // ------------------------------------------------ failed messages

  function loadFailed() {
    return loadPanel('failed', 'panel-failed', () => api('GET', '/v1/stats/failed?limit=10'), renderFailed);
  }

  function renderFailed(failed) {
    $('failed-total').textContent = fmtInt(failed.total);
    $('failed-total').classList.toggle('bad', failed.total > 0);
    const consumers = Object.entries(failed.by_consumer || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    $('failed-consumers').replaceChildren(...consumers.map(([consumer, n]) => {
      const li = document.createElement('li');
      li.className = 'chip';
      li.dataset.testid = 'failed-consumer-entry';
      li.dataset.consumer = consumer;
      li.dataset.count = String(n);
      const name = document.createElement('span');
      name.textContent = consumer;
      const count = document.createElement('b');
      count.textContent = fmtInt(n);
      li.append(name, count);
      return li;
    }));
    $('failed-empty').hidden = failed.total > 0 || failed.recent.length > 0;
    $('failed-recent').replaceChildren(...failed.recent.map((d) => {
      const li = document.createElement('li');
      li.className = 'failed-item';
      li.dataset.testid = 'failed-entry';
      li.dataset.consumer = d.consumer;
      const head = document.createElement('div');
      head.className = 'failed-head';
      const consumer = document.createElement('span');
      consumer.className = 'failed-consumer';
      consumer.textContent = d.consumer;
      const subject = document.createElement('code');
      subject.className = 'failed-subject';
      subject.textContent = d.subject;
      const when = document.createElement('time');
      const date = new Date(d.failed_at);
      when.dateTime = d.failed_at;
      when.title = date.toLocaleString();
      when.textContent = `${formatTime(date)} · ${d.deliveries} deliver${d.deliveries === 1 ? 'y' : 'ies'}`;
      head.append(consumer, subject, when);
      const error = document.createElement('div');
      error.className = 'failed-error';
      error.dataset.testid = 'failed-error';
      error.textContent = d.error;
      error.title = d.error;
      const payload = document.createElement('details');
      const summary = document.createElement('summary');
      summary.textContent = `Payload (stream sequence ${d.stream_sequence})`;
      const pre = document.createElement('pre');
      pre.textContent = d.payload;
      payload.append(summary, pre);
      li.append(head, error, payload);
      return li;
    }));
  }

  function redrawStats() {
    if (!stats.open) return;
    const { days, sentiment, rate } = stats.data;
    if (days) renderDays(days);
    if (sentiment) renderSentiment(sentiment);
    if (rate) renderRate(rate);
  }

  // Room names may have arrived after the top list: refresh what shows them.
  function statsRoomsChanged() {
    if (!stats.open) return;
    renderRoomOptions();
    if (stats.data.top) renderTop(stats.data.top);
  }

  function wireStats() {
    window.addEventListener('hashchange', applyView);
    window.addEventListener('popstate', applyView);
    $('stats-refresh').addEventListener('click', () => refreshStats());
    const segmented = (id, key, load) => {
      $(id).addEventListener('click', (e) => {
        const button = e.target.closest('button[data-value]');
        if (!button || stats[key] === button.dataset.value) return;
        stats[key] = button.dataset.value;
        syncStatsControls();
        load();
      });
    };
    segmented('days-range', 'daysRange', loadDays);
    segmented('sentiment-step', 'step', loadSentiment);
    segmented('top-window', 'window', loadTop);
    $('sentiment-room').addEventListener('change', (e) => {
      stats.room = e.target.value;
      stats.roomChosen = true;
      loadSentiment();
    });
    let resizeTimer = null;
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(redrawStats, 150);
    });
  }

  // ---------------------------------------------------------------- wiring

  function autoGrow() {
    const input = $('composer-input');
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
  }

  function wire() {
    $('auth-form').addEventListener('submit', (e) => {
      e.preventDefault();
      authenticate('login');
    });
    $('sign-up-button').addEventListener('click', () => authenticate('register'));
    $('sign-out-button').addEventListener('click', () => signOut(''));
    $('create-room-form').addEventListener('submit', createRoom);
    $('dm-form').addEventListener('submit', openDm);
    $('directory-refresh').addEventListener('click', () => refreshDirectory().catch((err) => showError(err.message)));
    $('leave-room-button').addEventListener('click', leaveRoom);
    $('error-close').addEventListener('click', () => { $('error-banner').hidden = true; });
    $('composer').addEventListener('submit', sendMessage);
    const input = $('composer-input');
    input.addEventListener('input', autoGrow);
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        $('composer').requestSubmit();
      }
    });
    $('load-older-button').addEventListener('click', loadOlder);
    $('message-scroller').addEventListener('scroll', () => {
      if ($('message-scroller').scrollTop < 60 && state.historyLoaded) loadOlder();
    });
    $('message-list').addEventListener('click', (e) => {
      const button = e.target.closest('button[data-action]');
      if (!button) return;
      const el = button.closest('li.msg');
      if (button.dataset.action === 'edit') startEditing(el);
      else if (button.dataset.action === 'delete') deleteMessage(el, button);
      else if (button.dataset.action === 'retry') {
        const p = state.pending.get(el.dataset.clientId);
        if (p) transmit(p);
      }
    });
    window.addEventListener('online', () => {
      if (state.session && !state.ws) connect();
    });
    wireStats();
  }

  async function boot() {
    wire();
    const saved = loadSession();
    if (!saved) {
      signOut('');
      return;
    }
    state.session = saved;
    try {
      saveSession(await api('GET', '/v1/auth/me')); // checks and extends the session
    } catch (err) {
      if (err.status === 401) return; // api() already signed out
      // The server may be briefly away: keep the saved session and let the socket retry.
    }
    if (state.session) startChat();
  }

  boot();
})();
