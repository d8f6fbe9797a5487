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
      messages: new Map(), pending: new Map(), before: null, historyLoaded: false, loadingOlder: false,
      lastEventId: null, wsReady: false, everReady: false, attempts: 0,
    });
    state.roomLoad += 1;
  }

  function signOut(reason) {
    resetState();
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
    li.addEventListener('click', () => openRoom(room.room_id));
    li.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
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
    const canChange = own && !m.deleted;
    el.querySelector('[data-action="edit"]').hidden = !canChange;
    el.querySelector('[data-action="delete"]').hidden = !canChange;
    el.querySelector('[data-action="retry"]').hidden = true;
    el.querySelector('.msg-actions').hidden = !canChange;
    if (m.deleted) stopEditing(el);
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
