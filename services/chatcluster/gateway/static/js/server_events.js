// What each frame from the server's socket does to the page (the socket itself is transport.js).
import { noteScore } from './badges.js';
import { acknowledged, flushPending, refused, resolvePending } from './compose.js';
import { createDispatcher } from './dispatch.js';
import { showError } from './dom.js';
import { detailText } from './errors.js';
import { catchUp, closeRoom, currentRoomId, reloadRoom, repaintSentiment, showLive } from './messages.js';
import { addRoom, countUnread, forgetRoom, hasRoom, queueRoomsRefresh, refreshRooms, renderDirectory, renderRooms } from './rooms.js';
import { isMe } from './session.js';

function onEvent(event) {
  if (!event || !event.message) return;
  const m = event.message;
  if (!hasRoom(m.room_id)) queueRoomsRefresh();
  if (m.room_id === currentRoomId()) {
    showLive(event);
    return;
  }
  resolvePending(m);
  countUnread(event, isMe(m.author_id));
}

export const dispatchFrame = createDispatcher({
  ready(frame, { reconnect, since }) {
    if (reconnect) {
      refreshRooms().catch(() => {});
      if (!since) catchUp();
    }
    flushPending();
  },
  event(frame) {
    onEvent(frame.event);
  },
  scored(frame) {
    const id = noteScore(frame.event);
    if (id) repaintSentiment(id); // otherwise applied when the message renders
  },
  replay_done(frame) {
    if (frame.truncated) reloadRoom();
  },
  ack(frame) {
    acknowledged(frame.ref, frame.message_id);
  },
  error(frame) {
    const detail = detailText(frame.detail, 'the server refused the request');
    refused(frame.ref, detail);
    if (frame.status !== 401) showError(detail);
  },
  joined(frame) {
    if (frame.room && frame.room.room_id) {
      addRoom(frame.room);
      // Live events of this room flow from now on; fetch anything sent before that.
      if (frame.room.room_id === currentRoomId()) catchUp();
    }
    queueRoomsRefresh();
  },
  left(frame) {
    if (frame.room && frame.room.room_id) {
      forgetRoom(frame.room.room_id);
      if (currentRoomId() === frame.room.room_id) closeRoom();
      renderRooms();
      renderDirectory();
    }
    queueRoomsRefresh();
  },
});
