// ChatCluster web client: native ES modules, no build step. This module wires the features
// together and starts the page; each feature module owns its own state:
//   session (signing in and out)   rooms (sidebar)   messages (the open room)   compose (sending)
//   editing   badges (sentiment)   transport (the socket) → server_events (what frames do)
//   read_state (unread, marking read, receipts)   mentions   notifications (the feed)   settings
//   presence   typing   members (the member list, joined/left notices)
//   views (chat | #stats)   stats (the panels: chart_days, chart_sentiment, chart_rate, stats_top, stats_failed)
//   replies (quotes, the composer's reply)   thread (reply counts, the thread panel)   reactions   search
//   room_settings (the panel for owners and admins, room frames)   pins   contacts   blocks   user_picker
import { resetScores } from './badges.js';
import { blockButton, loadBlocks, resetBlocks, setBlockHooks } from './blocks.js';
import { resetOutbox, sendMessage, useTransport, wireComposer } from './compose.js';
import { contactIds, loadContacts, renderContacts, resetContacts, setContactHooks, wireContacts } from './contacts.js';
import { $, hideError, hideInfo, showError } from './dom.js';
import { wireEditing } from './editing.js';
import { resetPeople } from './mentions.js';
import { closeMembers, memberIds, renderMembers, resetMembers, setMemberHooks, wireMembers } from './members.js';
import {
  closeIfGone, currentRoomId, lastRoomOf, openRoom, placeDivider, refreshSubtitle, repaintMentions, repaintReceipts,
  resetMessages, showNotice, showRoomHeader, wireMessages,
} from './messages.js';
import {
  closeFeed, loadFeed, resetNotifications, roomRead, setNotificationHooks, wireNotifications,
} from './notifications.js';
import { closePins, resetPins, setPinHooks, wirePins } from './pins.js';
import { refreshPresence, resetPresence, setPresenceHooks, startPresence, wirePresence } from './presence.js';
import { closePicker, insidePicker, resetReactions, wireReactions } from './reactions.js';
import { resetReadState, setReadHooks, wireReadState } from './read_state.js';
import { cancelReply, replyingTo, resetReplies, roomShown, wireReplies } from './replies.js';
import {
  closeRoomSettings, resetRoomSettings, roleBadge, roomsReloaded, setRoomSettingsHooks, wireRoomSettings,
} from './room_settings.js';
import {
  displayName, dmPeers, getRoom, hasRoom, queueRoomsRefresh, refreshDirectory, refreshRooms, renderRooms, resetRooms,
  setRoomHooks, startDirectoryTimer, wireRooms,
} from './rooms.js';
import { closeSearch, insideSearch, resetSearch, setSearchHooks, wireSearch } from './search.js';
import { dispatchFrame } from './server_events.js';
import {
  accessToken, currentUserId, currentUsername, resumeSession, setSessionHooks, signedIn, socketRefused, wireSession,
} from './session.js';
import { closeSettings, loadSettings, resetSettings, setSettingsHooks, wireSettings } from './settings.js';
import { resetStats, statsRoomsChanged, wireStats } from './stats.js';
import { closeThread, resetThread, threadRoomId, useSender, wireThread } from './thread.js';
import { Transport } from './transport.js';
import { resetTyping, wireTyping } from './typing.js';
import { wireQuiz } from './quiz.js';
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
  resetReplies();
  resetThread();
  resetReactions();
  resetSearch();
  resetRoomSettings();
  resetPins();
  resetContacts();
  resetBlocks();
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
  loadContacts();
  loadBlocks();
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

// Shows a room (at message `at` when given); a reply draft or a thread of another room closes.
function showRoom(roomId, at = null) {
  showChatView();
  roomShown(roomId);
  if (threadRoomId() && threadRoomId() !== roomId) closeThread();
  closePicker();
  openRoom(roomId, at);
}

function wire() {
  setSessionHooks({ signedIn: startChat, signedOut: stopChat });
  setRoomHooks({
    open: showRoom,
    changed: () => {
      closeIfGone();
      if (threadRoomId() && !hasRoom(threadRoomId())) closeThread();
      roomsReloaded();
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
  setSearchHooks({ open: showRoom, roomName: roomInSentence });
  setSettingsHooks({ changed: renderRooms });
  setPresenceHooks({
    changed: () => {
      renderRooms();
      renderMembers();
      renderContacts();
    },
    wanted: () => [...dmPeers(), ...memberIds(), ...contactIds()],
  });
  setMemberHooks({
    loaded: repaintMentions,
    notice: showNotice,
    decorate: (li, m) => {
      const badge = roleBadge(m);
      if (badge) li.append(badge);
      const block = blockButton(m);
      if (block) li.append(block);
    },
  });
  // The member list, the thread, the pinned messages and the room settings share the room's right side.
  setPinHooks({
    open: showRoom,
    opened: () => {
      closeMembers();
      closeThread();
      closeRoomSettings();
    },
  });
  setRoomSettingsHooks({
    opened: () => {
      closeMembers();
      closeThread();
      closePins();
    },
  });
  setContactHooks({ open: showRoom });
  setBlockHooks({
    changed: () => {
      renderMembers();
      renderContacts();
    },
  });
  wireSession();
  wireRooms();
  wireMessages();
  wireComposer(currentRoomId, { to: replyingTo, sent: cancelReply });
  // The thread opened: the other panels on the room's right side close.
  useSender(sendMessage, () => {
    closeMembers();
    closePins();
    closeRoomSettings();
  });
  wireEditing();
  wireViews();
  wireQuiz(transport);
  wireStats();
  wireReadState();
  wireNotifications();
  wireSettings();
  wirePresence(transport);
  wireTyping(transport, currentRoomId);
  wireMembers();
  wireReplies();
  wireThread();
  wireReactions();
  wireSearch();
  wireRoomSettings();
  wirePins();
  wireContacts();
  // The thread and the member list share the room's right side.
  for (const close of [closeThread, closePins, closeRoomSettings]) $('members-button').addEventListener('click', close);
  // The feed, the settings, the search results and the reaction picker close on Escape and on a click anywhere else.
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      closeFeed();
      closeSettings();
      closeSearch();
      closePicker();
    }
  });
  document.addEventListener('click', (e) => {
    if (!e.target.closest('#notifications-panel, #notifications-button')) closeFeed();
    if (!e.target.closest('#settings-panel, #settings-button')) closeSettings();
    if (!insideSearch(e.target)) closeSearch();
    if (!insidePicker(e.target)) closePicker();
  });
  $('error-close').addEventListener('click', hideError);
  $('info-close').addEventListener('click', hideInfo);
  window.addEventListener('online', () => {
    if (signedIn() && !transport.connected) transport.connect();
  });
}

wire();
resumeSession();
