// ChatCluster web client: native ES modules, no build step. This module wires the features
// together and starts the page; each feature module owns its own state:
//   session (signing in and out)   rooms (sidebar)   messages (the open room)   compose (sending)
//   editing   badges (sentiment)   transport (the socket) → server_events (what frames do)
//   read_state (unread, marking read, receipts)   mentions   notifications (the feed)   settings
//   presence   typing   members (the member list, joined/left notices)
//   views (chat | #stats)   stats (the panels: chart_days, chart_sentiment, chart_rate, stats_top, stats_failed)
import { resetScores } from './badges.js';
import { resetOutbox, useTransport, wireComposer } from './compose.js';
import { $, hideError, showError } from './dom.js';
import { wireEditing } from './editing.js';
import { resetPeople } from './mentions.js';
import { memberIds, renderMembers, resetMembers, setMemberHooks, wireMembers } from './members.js';
import {
  closeIfGone, currentRoomId, lastRoomOf, openRoom, placeDivider, refreshSubtitle, repaintMentions, repaintReceipts,
  resetMessages, showNotice, showRoomHeader, wireMessages,
} from './messages.js';
import {
  closeFeed, loadFeed, resetNotifications, roomRead, setNotificationHooks, wireNotifications,
} from './notifications.js';
import { refreshPresence, resetPresence, setPresenceHooks, startPresence, wirePresence } from './presence.js';
import { resetReadState, setReadHooks, wireReadState } from './read_state.js';
import {
  displayName, dmPeers, getRoom, hasRoom, queueRoomsRefresh, refreshDirectory, refreshRooms, renderRooms, resetRooms,
  setRoomHooks, startDirectoryTimer, wireRooms,
} from './rooms.js';
import { dispatchFrame } from './server_events.js';
import {
  accessToken, currentUserId, currentUsername, resumeSession, setSessionHooks, signedIn, socketRefused, wireSession,
} from './session.js';
import { closeSettings, loadSettings, resetSettings, setSettingsHooks, wireSettings } from './settings.js';
import { resetStats, statsRoomsChanged, wireStats } from './stats.js';
import { Transport } from './transport.js';
import { resetTyping, wireTyping } from './typing.js';
import { applyView, showChatView, wireViews } from './views.js';

function setConnection(state, label) {
  const el = $('connection-status');
  el.dataset.state = state;
  el.textContent = label;
  el.title = label;
}

const transport = new Transport({
  endpoint: `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/v1/ws`,
  token: accessToken,
  onFrame: dispatchFrame,
  onStatus: setConnection,
  // A refused token is renewed once and the socket opens again with it; refused again, the session ends.
  onRejected: async (refusals, token) => {
    const outcome = await socketRefused(refusals, token);
    if (outcome === 'renewed') transport.connect();
    else if (outcome === 'unavailable') transport.scheduleReconnect();
  },
});
useTransport(transport);

// Everything the chat showed for the last session goes.
function stopChat() {
  transport.close();
  transport.forget();
  resetRooms();
  resetMessages();
  resetOutbox();
  resetScores();
  resetStats();
  resetReadState();
  resetNotifications();
  resetSettings();
  resetPresence();
  resetTyping();
  resetMembers();
  resetPeople();
}

async function startChat() {
  stopChat();
  $('auth-view').hidden = true;
  $('chat-view').hidden = false;
  $('current-user').textContent = currentUsername();
  renderRooms();
  showRoomHeader();
  applyView();
  transport.connect();
  startDirectoryTimer(refreshSubtitle);
  startPresence();
  loadSettings();
  loadFeed();
  try {
    await refreshRooms();
  } catch (err) {
    showError(err.message);
  }
  refreshDirectory().catch((err) => showError(err.message));
  refreshPresence();
  const last = lastRoomOf(currentUserId());
  if (last && hasRoom(last) && !currentRoomId()) openRoom(last);
}

// "#lounge" or "@bob", as a notification names a room.
function roomInSentence(roomId) {
  const room = getRoom(roomId);
  return room && room.kind !== 'direct' ? `#${room.name}` : displayName(roomId);
}

function showRoom(roomId) {
  showChatView();
  openRoom(roomId);
}

function wire() {
  setSessionHooks({ signedIn: startChat, signedOut: stopChat });
  setRoomHooks({
    open: showRoom,
    changed: () => {
      closeIfGone();
      statsRoomsChanged();
    },
  });
  setReadHooks({
    changed: renderRooms,
    receipts: repaintReceipts,
    refresh: queueRoomsRefresh,
    read: roomRead,
    divider: placeDivider,
  });
  setNotificationHooks({ open: showRoom, roomName: roomInSentence });
  setSettingsHooks({ changed: renderRooms });
  setPresenceHooks({
    changed: () => {
      renderRooms();
      renderMembers();
    },
    wanted: () => [...dmPeers(), ...memberIds()],
  });
  setMemberHooks({ loaded: repaintMentions, notice: showNotice });
  wireSession();
  wireRooms();
  wireMessages();
  wireComposer(currentRoomId);
  wireEditing();
  wireViews();
  wireStats();
  wireReadState();
  wireNotifications();
  wireSettings();
  wirePresence(transport);
  wireTyping(transport, currentRoomId);
  wireMembers();
  // The feed and the settings close on Escape and on a click anywhere else.
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      closeFeed();
      closeSettings();
    }
  });
  document.addEventListener('click', (e) => {
    if (!e.target.closest('#notifications-panel, #notifications-button')) closeFeed();
    if (!e.target.closest('#settings-panel, #settings-button')) closeSettings();
  });
  $('error-close').addEventListener('click', hideError);
  window.addEventListener('online', () => {
    if (signedIn() && !transport.connected) transport.connect();
  });
}

wire();
resumeSession();
