// Pinned messages per room: which messages of a room are pinned, from its list
// (GET /v1/rooms/{id}/pins) and the `pin` frames that follow. Pure: pins.js draws.
import { LatestEvents } from './room_settings_data.js';

export class PinBook {
  constructor() {
    this.rooms = new Map(); // room_id -> { ids: Set(message_id), loading, since: [events while loading] }
    this.latest = new LatestEvents(); // per message: a replayed older event is not applied again
  }

  // A load of the room's list starts: events that arrive meanwhile are applied on top of its answer.
  startLoad(roomId) {
    const known = this.rooms.get(roomId);
    this.rooms.set(roomId, { ids: known ? known.ids : new Set(), loading: true, since: [] });
  }

  finishLoad(roomId, answer) {
    const entry = this.rooms.get(roomId);
    if (!entry) return;
    entry.ids = new Set(((answer && answer.pins) || []).map((m) => String(m.message_id)));
    for (const event of entry.since) this.#set(entry, event);
    entry.loading = false;
    entry.since = [];
  }

  // The list could not be read: what was known stays (the panel asks again when it opens; the
  // messages do not, or every message drawn would ask).
  failLoad(roomId) {
    const entry = this.rooms.get(roomId);
    if (!entry) return;
    for (const event of entry.since) this.#set(entry, event);
    entry.loading = false;
    entry.since = [];
  }

  // Whether the room's list was asked for (loaded or on its way).
  known(roomId) {
    return this.rooms.has(roomId);
  }

  isPinned(roomId, messageId) {
    const entry = this.rooms.get(roomId);
    return !!entry && entry.ids.has(String(messageId));
  }

  count(roomId) {
    const entry = this.rooms.get(roomId);
    return entry ? entry.ids.size : 0;
  }

  // A `pin` frame's event; true when it changed what is pinned (false for a stale or repeated one,
  // or a room the page does not follow).
  apply(event) {
    if (!event || event.room_id == null || event.message_id == null) return false;
    if (!this.latest.accept(`${event.room_id}/${event.message_id}`, event.event_id)) return false;
    const entry = this.rooms.get(event.room_id);
    if (!entry) return false;
    if (entry.loading) entry.since.push(event);
    return this.#set(entry, event);
  }

  forget(roomId) {
    this.rooms.delete(roomId);
  }

  #set(entry, event) {
    const id = String(event.message_id);
    if (event.pinned === entry.ids.has(id)) return false;
    if (event.pinned) entry.ids.add(id);
    else entry.ids.delete(id);
    return true;
  }
}
