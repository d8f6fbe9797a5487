"""Read markers and unread counts in Cassandra (the `ReadMarkers` role).

A marker is a max-register without a lightweight transaction or a read before the write: each write
carries a timestamp that grows with the message id (`marker_timestamp`), and Cassandra keeps the cell
with the highest timestamp, the larger value on a tie. So whatever order writes arrive in, and however
often one is repeated, the highest message id wins. It is written twice, by user (a user's room
list) and by room (how far the members have read). A count reads the message ids after the marker in
the room's buckets, a page at a time, and stops at the cap.
"""

from __future__ import annotations

from chatcluster.ids import MAX_ID, TIMESTAMP_SHIFT, bucket_of, id_timestamp_ms
from chatcluster.store.cassandra.connection import CassandraConnection

_LOW_BITS = (1 << TIMESTAMP_SHIFT) - 1
PAGE = 5000  # the driver's own page size: one request per page


def marker_timestamp(message_id: int) -> int:
    """Microseconds that never decrease as the message id grows: the id's millisecond, plus its worker and
    sequence bits scaled into the millisecond's thousand microseconds. Ids that land on the same
    microsecond tie, and Cassandra then keeps the larger value: the larger id."""
    return id_timestamp_ms(message_id) * 1000 + ((message_id & _LOW_BITS) * 1000 >> TIMESTAMP_SHIFT)


class CassandraReadMarkers(CassandraConnection):
    async def advance_read_marker(self, user_id: int, room_id: str, message_id: int) -> int:
        ts = marker_timestamp(message_id)
        await self._many(
            [
                self._q(
                    "UPDATE read_markers USING TIMESTAMP ? SET message_id = ? WHERE user_id = ? AND room_id = ?",
                    ts,
                    message_id,
                    user_id,
                    room_id,
                ),
                self._q(
                    "UPDATE read_markers_by_room USING TIMESTAMP ? SET message_id = ? "
                    "WHERE room_id = ? AND user_id = ?",
                    ts,
                    message_id,
                    room_id,
                    user_id,
                ),
            ]
        )
        rows = await self._q("SELECT message_id FROM read_markers WHERE user_id = ? AND room_id = ?", user_id, room_id)
        return int(rows[0].message_id) if rows else message_id

    async def read_markers_of(self, user_id: int) -> dict[str, int]:
        rows = await self._q("SELECT room_id, message_id FROM read_markers WHERE user_id = ?", user_id)
        return {r.room_id: r.message_id for r in rows}

    async def read_markers_in(self, room_id: str) -> dict[int, int]:
        rows = await self._q("SELECT user_id, message_id FROM read_markers_by_room WHERE room_id = ?", room_id)
        return {r.user_id: r.message_id for r in rows}

    async def count_after(self, room_id: str, after_id: int, cap: int, *, not_by: int | None = None) -> int:
        buckets = await self._q(
            "SELECT bucket FROM room_buckets WHERE room_id = ? AND bucket >= ?", room_id, bucket_of(after_id)
        )
        read = live = 0
        for bucket in sorted(r.bucket for r in buckets):
            upper = MAX_ID
            while read < cap:
                want = min(cap - read, PAGE)
                rows = await self._q(
                    "SELECT message_id, author, author_id, deleted FROM messages "
                    "WHERE room_id = ? AND bucket = ? AND message_id > ? AND message_id < ? LIMIT ?",
                    room_id,
                    bucket,
                    after_id,
                    upper,
                    want,
                )
                read += len(rows)
                # A row without an author holds only a score that landed before its message: not a message yet.
                live += sum(1 for r in rows if r.author is not None and not r.deleted and r.author_id != not_by)
                if len(rows) < want:
                    break
                upper = rows[-1].message_id
            if read >= cap:
                return cap
        return live
