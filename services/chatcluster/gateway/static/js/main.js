// ChatCluster web client: native ES modules, no build step. This module wires the features
// together and starts the page; each feature module owns its own state:
//   session (signing in and out)   rooms (sidebar)   messages (the open room)   compose (sending)
//   editing   badges (sentiment)   transport (the socket) → server_events (what frames do)
//   views (chat | #stats)   stats (the panels: chart_days, chart_sentiment, chart_rate, stats_top, stats_failed)
import { resetScores } from './badges.js';
import { resetOutbox, useTransport, wireComposer } from './compose.js';
import { $, hideError, showError } from './dom.js';
import { wireEditing } from './editing.js';
import {
  closeIfGone, currentRoomId, lastRoomOf, openRoom, refreshSubtitle, resetMessages, showRoomHeader, wireMessages,
} from './messages.js';
import {
  hasRoom, refreshDirectory, refreshRooms, renderRooms, resetRooms, setRoomHooks, startDirectoryTimer, wireRooms,
} from './rooms.js';
import { dispatchFrame } from './server_events.js';
import {
  accessToken, currentUserId, currentUsername, resumeSession, setSessionHooks, signedIn, socketRefused, wireSession,
} from './session.js';
import { resetStats, statsRoomsChanged, wireStats } from './stats.js';
import { Transport } from './transport.js';
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
  try {
    await refreshRooms();
  } catch (err) {
    showError(err.message);
  }
  refreshDirectory().catch((err) => showError(err.message));
  const last = lastRoomOf(currentUserId());
  if (last && hasRoom(last) && !currentRoomId()) openRoom(last);
}

function wire() {
  setSessionHooks({ signedIn: startChat, signedOut: stopChat });
  setRoomHooks({
    open: (roomId) => {
      showChatView();
      openRoom(roomId);
    },
    changed: () => {
      closeIfGone();
      statsRoomsChanged();
    },
  });
  wireSession();
  wireRooms();
  wireMessages();
  wireComposer(currentRoomId);
  wireEditing();
  wireViews();
  wireStats();
  $('error-close').addEventListener('click', hideError);
  window.addEventListener('online', () => {
    if (signedIn() && !transport.connected) transport.connect();
  });
}

wire();
resumeSession();
