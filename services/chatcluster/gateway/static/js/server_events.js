// What each frame from the server's socket does to the page (the socket itself is transport.js).
import { noteScore } from './badges.js';
import { isBlocked, onBlocksFrame } from './blocks.js';
import { acknowledged, flushPending, refused, resolvePending } from './compose.js';
import { createDispatcher } from './dispatch.js';
import { showError } from './dom.js';
import { detailText } from './errors.js';
import { learnPerson, mentionsUser } from './mentions.js';
import { onMember } from './members.js';
import { onPinFrame } from './pins.js';
import { catchUp, closeRoom, currentRoomId, rememberLive, reloadRoom, repaintSentiment, showLive } from './messages.js';
import { onMoodFrame } from './mood.js';
import { onQuizBoard, onQuizState, quizSocketReady } from './quiz.js';
import { loadFeed, onNotification } from './notifications.js';
import { PRESENCE_REF, presenceSocketReady, setPresence } from './presence.js';
import { onReaction } from './reactions.js';
import { noteMessage, onReadFrame } from './read_state.js';
import { originalChanged } from './replies.js';
import { onMemberChange, onRoomFrame, roomLeft } from './room_settings.js';
import {
  addRoom, applySummaries, forgetRoom, hasRoom, queueRoomsRefresh, refreshRooms, renderDirectory, renderRooms,
} from './rooms.js';
import { isMe } from './session.js';
import { threadEvent } from './thread.js';
import { TYPING_REF, onTyping, typingStopped } from './typing.js';

function onEvent(event) {
  if (!event || !event.message) return;
  const m = event.message;
  if (isBlocked(m.author_id)) return; // the server stops them too; one already on its way stays out
  if (!hasRoom(m.room_id)) queueRoomsRefresh();
  learnPerson(m.author, m.author_id);
  if (event.kind === 'created') typingStopped(m.room_id, m.author_id);
  if (m.room_id === currentRoomId()) {
    showLive(event);
  } else {
    resolvePending(m);
    rememberLive(m);
  }
  threadEvent(event);
  if (event.kind !== 'created') originalChanged(m); // quotes of it elsewhere follow
  if (noteMessage(event, { mine: isMe(m.author_id), mentionsMe: mentionsUser(m) })) renderRooms();
}

export const dispatchFrame = createDispatcher({
  ready(frame, { reconnect, since }) {
    // Summaries (unread counts, last messages) come with the frame; an older server sends room ids only.
    if (Array.isArray(frame.summaries)) applySummaries(frame.summaries);
    else if (reconnect) refreshRooms().catch(() => {});
    if (reconnect) {
      if (!since) catchUp();
      loadFeed(); // notifications sent while the socket was down
    }
    presenceSocketReady();
    quizSocketReady();
    flushPending();
  },
  event(frame) {
    onEvent(frame.event);
  },
  // A reaction added or removed.
  reaction(frame) {
    onReaction(frame.event);
  },
  // A room of the user's renamed, its topic or privacy changed, or deleted.
  room(frame) {
    onRoomFrame(frame);
  },
  // A message pinned or unpinned.
  pin(frame) {
    onPinFrame(frame);
  },
  // The people the user blocked (all of them), here or in another window.
  blocks(frame) {
    onBlocksFrame(frame);
  },
  // The room's mood changed (at most every few seconds per room).
  mood(frame) {
    onMoodFrame(frame);
  },
  scored(frame) {
    const id = noteScore(frame.event);
    if (id) repaintSentiment(id); // otherwise applied when the message renders
  },
  replay_done(frame) {
    if (frame.truncated) reloadRoom();
  },
  quiz_board: onQuizBoard,
  quiz_state: onQuizState,
  ack(frame) {
    acknowledged(frame.ref, frame.message_id);
  },
  error(frame) {
    if (frame.ref === TYPING_REF || frame.ref === PRESENCE_REF) return; // best effort: the next one may pass
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
      roomLeft(frame.room); // removed, banned or the room deleted: the user is told
      forgetRoom(frame.room.room_id);
      if (currentRoomId() === frame.room.room_id) closeRoom();
      renderRooms();
      renderDirectory();
    }
    queueRoomsRefresh();
  },
  // The user read in another window, or someone else read in a room that shares receipts.
  read(frame) {
    onReadFrame(frame);
  },
  notification(frame) {
    onNotification(frame.notification);
  },
  presence(frame) {
    if (frame.user_id != null) setPresence(frame.user_id, frame.status);
  },
  typing(frame) {
    onTyping(frame);
  },
  // Someone joined or left one of the user's rooms.
  member(frame) {
    onMember(frame);
    onMemberChange(frame);
    if (frame.op === 'left' && frame.room_id) typingStopped(frame.room_id, frame.user_id);
  },
});
