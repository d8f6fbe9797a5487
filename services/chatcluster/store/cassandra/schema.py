"""The Cassandra schema as versioned migrations, each applied once by `CassandraConnection.migrate`.

Messages follow Discord's published layout: partitioned by (room, time bucket)
with the Snowflake id as clustering key, newest first. A bucket is ten days
(`chatcluster.ids.BUCKET_MS`): a room sending 10 messages a second for ten days
writes ~8.6M rows of ~100 bytes of text plus overhead, around 1-2 GB — only the
very busiest rooms come near the 100 MB comfort limit per partition, and the
bucket size can shrink for such a deployment without touching the API.
Every other table is keyed by the query it answers.
"""

from __future__ import annotations

ALL_ROOMS = "*"  # the stats_sentiment partitions (one per privacy) that sum every room
RATE_BUCKET_MS = 60_000  # a stats_rate partition holds a minute of per-second counts


def rate_bucket(ms: int) -> int:
    """The stats_rate partition of the second starting at `ms`."""
    return ms - ms % RATE_BUCKET_MS


KEYSPACE_CQL = (
    "CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = "
    "{{'class': 'NetworkTopologyStrategy', '{datacenter}': {replication_factor}}}"
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE IF NOT EXISTS users (
            user_id bigint PRIMARY KEY, username text, password_hash text, created_ms bigint)""",
        """CREATE TABLE IF NOT EXISTS users_by_name (
            username_key text PRIMARY KEY, user_id bigint, username text, password_hash text, created_ms bigint)""",
        """CREATE TABLE IF NOT EXISTS rooms (
            room_id text PRIMARY KEY, kind text, name text, created_by bigint, created_ms bigint)""",
        """CREATE TABLE IF NOT EXISTS rooms_by_kind (
            kind text, created_ms bigint, room_id text, name text, created_by bigint,
            PRIMARY KEY ((kind), created_ms, room_id)) WITH CLUSTERING ORDER BY (created_ms DESC, room_id ASC)""",
        """CREATE TABLE IF NOT EXISTS room_members (
            room_id text, user_id bigint, username text, joined_ms bigint, PRIMARY KEY ((room_id), user_id))""",
        """CREATE TABLE IF NOT EXISTS rooms_by_user (
            user_id bigint, room_id text, kind text, name text, created_by bigint, created_ms bigint,
            PRIMARY KEY ((user_id), room_id))""",
        """CREATE TABLE IF NOT EXISTS messages (
            room_id text, bucket int, message_id bigint, author_id bigint, author text, text text,
            reply_to bigint, client_id text, edited_ms bigint, deleted boolean,
            label int, confidence double, model_version text, words set<text>,
            PRIMARY KEY ((room_id, bucket), message_id)) WITH CLUSTERING ORDER BY (message_id DESC)""",
        """CREATE TABLE IF NOT EXISTS messages_by_id (message_id bigint PRIMARY KEY, room_id text, bucket int)""",
        """CREATE TABLE IF NOT EXISTS room_buckets (
            room_id text, bucket int, PRIMARY KEY ((room_id), bucket)) WITH CLUSTERING ORDER BY (bucket DESC)""",
    ),
    (
        """CREATE TABLE IF NOT EXISTS agg_counted (message_id bigint PRIMARY KEY)""",
        """CREATE TABLE IF NOT EXISTS agg_messages (
            day text, room_id text, user_id bigint, count counter, PRIMARY KEY ((day), room_id, user_id))""",
        """CREATE TABLE IF NOT EXISTS agg_days (scope text, day text, PRIMARY KEY ((scope), day))""",
        """CREATE TABLE IF NOT EXISTS agg_sentiment (
            room_id text, minute bigint, positive counter, neutral counter, negative counter,
            PRIMARY KEY ((room_id), minute))""",
        """CREATE TABLE IF NOT EXISTS agg_top_minute (
            kind text, minute bigint, key text, count counter, PRIMARY KEY ((kind, minute), key))""",
        """CREATE TABLE IF NOT EXISTS agg_top_total (kind text, key text, count counter, PRIMARY KEY ((kind), key))""",
        """CREATE TABLE IF NOT EXISTS agg_rate (second_bucket bigint, second bigint, count counter,
            PRIMARY KEY ((second_bucket), second))""",
    ),
    # Cassandra 5.0's SAI matches whole values, not words (analyzers came later), so each message
    # keeps its searchable words in a set and the index answers `words CONTAINS ?`.
    ("""CREATE CUSTOM INDEX IF NOT EXISTS messages_words_sai ON messages (words) USING 'StorageAttachedIndex'""",),
    # Seats in a room are reserved by compare-and-set on this count.
    ("""ALTER TABLE rooms ADD IF NOT EXISTS member_count int""",),
    # Accounts and sessions: `users` is the one place of a user's mutable fields (users_by_name maps a
    # name to its id); sessions expire through their TTL, renewed with every refresh.
    (
        """ALTER TABLE users ADD IF NOT EXISTS is_admin boolean""",
        """ALTER TABLE users ADD IF NOT EXISTS deleted boolean""",
        """CREATE TABLE IF NOT EXISTS sessions (
            session_id bigint PRIMARY KEY, user_id bigint, secret_hash text, created_ms bigint,
            last_used_ms bigint, expires_ms bigint, user_agent text)""",
        """CREATE TABLE IF NOT EXISTS sessions_by_user (
            user_id bigint, session_id bigint, PRIMARY KEY ((user_id), session_id))""",
    ),
    # Every count keeps the privacy of its room when the message was said (chatcluster.privacy), in its
    # key, so a non-member's figures read the public partitions alone and an admin's add the private
    # ones. The old counts cannot be split, so the aggregator recounts the CHAT_SCORED stream into new
    # tables (`stats_recount` says a recount is pending). The agg_* tables are left to an aggregator of
    # the previous version still running during a rolling upgrade; nothing reads them any more.
    (
        """CREATE TABLE IF NOT EXISTS stats_counted (message_id bigint PRIMARY KEY)""",
        """CREATE TABLE IF NOT EXISTS stats_messages (
            day text, private boolean, room_id text, user_id bigint, count counter,
            PRIMARY KEY ((day, private), room_id, user_id))""",
        """CREATE TABLE IF NOT EXISTS stats_days (scope text, day text, PRIMARY KEY ((scope), day))""",
        """CREATE TABLE IF NOT EXISTS stats_sentiment (
            room_id text, private boolean, minute bigint, positive counter, neutral counter, negative counter,
            PRIMARY KEY ((room_id, private), minute))""",
        """CREATE TABLE IF NOT EXISTS stats_top_minute (
            kind text, private boolean, minute bigint, key text, count counter,
            PRIMARY KEY ((kind, private, minute), key))""",
        """CREATE TABLE IF NOT EXISTS stats_top_total (
            kind text, private boolean, key text, count counter, PRIMARY KEY ((kind, private), key))""",
        """CREATE TABLE IF NOT EXISTS stats_rate (second_bucket bigint, second bigint, count counter,
            PRIMARY KEY ((second_bucket), second))""",
        """CREATE TABLE IF NOT EXISTS stats_recount (name text PRIMARY KEY)""",
        """INSERT INTO stats_recount (name) VALUES ('pending')""",
    ),
    # Read markers, by user (a user's room list) and by room (how far the members have read). Both are
    # written with a timestamp that grows with the message id, so the highest id wins (read_markers.py).
    (
        """CREATE TABLE IF NOT EXISTS read_markers (
            user_id bigint, room_id text, message_id bigint, PRIMARY KEY ((user_id), room_id))""",
        """CREATE TABLE IF NOT EXISTS read_markers_by_room (
            room_id text, user_id bigint, message_id bigint, PRIMARY KEY ((room_id), user_id))""",
    ),
    # Mentions: the members a message names. Notification feeds, one partition per user, newest first; the
    # unread entries and the mentions by room beside them for their counts (notifications.py); each user's
    # settings (JSON); the users who may be owed a digest, and each one's last digest claim (an LWT).
    (
        """ALTER TABLE messages ADD IF NOT EXISTS mentions list<bigint>""",
        """CREATE TABLE IF NOT EXISTS notifications (
            user_id bigint, notification_id bigint, kind text, room_id text, message_id bigint, author_id bigint,
            author text, preview text, created_ms bigint, read boolean, deleted boolean,
            PRIMARY KEY ((user_id), notification_id)) WITH CLUSTERING ORDER BY (notification_id DESC)""",
        """CREATE TABLE IF NOT EXISTS notifications_unread (
            user_id bigint, notification_id bigint, PRIMARY KEY ((user_id), notification_id))""",
        """CREATE TABLE IF NOT EXISTS mentions_by_room (
            user_id bigint, room_id text, message_id bigint, PRIMARY KEY ((user_id), room_id, message_id))""",
        """CREATE TABLE IF NOT EXISTS user_settings (user_id bigint PRIMARY KEY, settings text)""",
        """CREATE TABLE IF NOT EXISTS digest_queue (user_id bigint PRIMARY KEY, queued_ms bigint)""",
        """CREATE TABLE IF NOT EXISTS digest_claims (user_id bigint PRIMARY KEY, claimed_ms bigint, up_to bigint)""",
    ),
    # Rooms people can run (issue 14): each room's topic and privacy, in every copy of the room (a private room
    # leaves `rooms_by_kind`, the directory); each member's role (none stored: the creator of a group room is its
    # owner, anyone else a member, `rows.member_role`); who is banned from each room; the messages pinned in each.
    (
        """ALTER TABLE rooms ADD IF NOT EXISTS topic text""",
        """ALTER TABLE rooms ADD IF NOT EXISTS private boolean""",
        """ALTER TABLE rooms_by_kind ADD IF NOT EXISTS topic text""",
        """ALTER TABLE rooms_by_kind ADD IF NOT EXISTS private boolean""",
        """ALTER TABLE rooms_by_user ADD IF NOT EXISTS topic text""",
        """ALTER TABLE rooms_by_user ADD IF NOT EXISTS private boolean""",
        """ALTER TABLE room_members ADD IF NOT EXISTS role text""",
        """CREATE TABLE IF NOT EXISTS room_bans (
            room_id text, user_id bigint, username text, banned_ms bigint, banned_by bigint,
            PRIMARY KEY ((room_id), user_id))""",
        """CREATE TABLE IF NOT EXISTS room_pins (
            room_id text, message_id bigint, pinned_ms bigint, pinned_by bigint,
            PRIMARY KEY ((room_id), message_id))""",
    ),
    # Replies, edit history and reactions (issue 14): each message's live replies in a partition of their parent
    # (a reply's delete removes it, with the delete's timestamp); every text a message has had; one reaction row
    # per message, emoji and user, written or deleted with a timestamp from the event id, so the highest id wins.
    (
        """CREATE TABLE IF NOT EXISTS replies_by_parent (
            parent_id bigint, message_id bigint, room_id text, PRIMARY KEY ((parent_id), message_id))""",
        """CREATE TABLE IF NOT EXISTS message_versions (
            message_id bigint, event_id bigint, text text, edited_ms bigint, PRIMARY KEY ((message_id), event_id))""",
        """CREATE TABLE IF NOT EXISTS reactions (
            message_id bigint, emoji text, user_id bigint, username text, event_id bigint,
            PRIMARY KEY ((message_id), emoji, user_id))""",
    ),
    # Contacts, blocks and the user directory (issue 14): each user's contacts and blocks in one partition per user,
    # with the name each had when added (usernames never change); every live username in a partition of its first
    # character, clustered by the lowercase name, so a prefix is a range of one partition. The accounts made before
    # it are copied in once by the first process to open the store (`people.CassandraContacts.migrate`).
    (
        """CREATE TABLE IF NOT EXISTS contacts (
            user_id bigint, contact_id bigint, username text, PRIMARY KEY ((user_id), contact_id))""",
        """CREATE TABLE IF NOT EXISTS blocks (
            user_id bigint, blocked_id bigint, username text, PRIMARY KEY ((user_id), blocked_id))""",
        """CREATE TABLE IF NOT EXISTS users_by_prefix (
            first text, username_key text, user_id bigint, username text, PRIMARY KEY ((first), username_key))""",
        """CREATE TABLE IF NOT EXISTS directory_backfill (name text PRIMARY KEY)""",
        """INSERT INTO directory_backfill (name) VALUES ('pending')""",
    ),
    # The live quiz (issue 15): each quiz as its JSON with a version for compare-and-set; one partition per quiz and
    # player holding the player's row (question -1: score, when reached, answers counted) and their answers, so an
    # answer and its points are one conditional batch; the players of a quiz and its answers per choice by quiz.
    (
        """CREATE TABLE IF NOT EXISTS quizzes (quiz_id bigint PRIMARY KEY, body text, version int)""",
        """CREATE TABLE IF NOT EXISTS quiz_entries (
            quiz_id bigint, user_id bigint, question int, username text, score int, reached_ms bigint, answered int,
            choice int, points int, answered_ms bigint, key text, PRIMARY KEY ((quiz_id, user_id), question))""",
        """CREATE TABLE IF NOT EXISTS quiz_players (
            quiz_id bigint, user_id bigint, PRIMARY KEY ((quiz_id), user_id))""",
        """CREATE TABLE IF NOT EXISTS quiz_choices (
            quiz_id bigint, question int, choice int, user_id bigint,
            PRIMARY KEY ((quiz_id), question, choice, user_id))""",
    ),
    # Pictures and files (issue 16): each upload's metadata (its bytes are a blob named by sha256, in the BlobStore)
    # with what the media worker made of it, and the messages that carry it, in one partition per upload.
    (
        """CREATE TABLE IF NOT EXISTS media (
            media_id bigint PRIMARY KEY, uploader_id bigint, sha256 text, filename text, content_type text,
            size bigint, width int, height int, created_ms bigint, strip_location boolean, thumbnail_sha256 text,
            clean_sha256 text)""",
        """CREATE TABLE IF NOT EXISTS media_links (
            media_id bigint, message_id bigint, room_id text, PRIMARY KEY ((media_id), message_id))""",
        """ALTER TABLE messages ADD attachments text""",
    ),
    # Creators (issue 17): the creator flag, each creator's lists (by id and by creator) and their members,
    # broadcasts with their recipients frozen once (with the message id of each copy) and each recipient's outcome.
    (
        """CREATE TABLE IF NOT EXISTS creators (user_id bigint PRIMARY KEY)""",
        """CREATE TABLE IF NOT EXISTS creator_lists (
            list_id bigint PRIMARY KEY, creator_id bigint, name text, created_ms bigint)""",
        """CREATE TABLE IF NOT EXISTS lists_by_creator (
            creator_id bigint, list_id bigint, PRIMARY KEY ((creator_id), list_id))""",
        """CREATE TABLE IF NOT EXISTS list_members (
            list_id bigint, user_id bigint, username text, PRIMARY KEY ((list_id), user_id))""",
        """CREATE TABLE IF NOT EXISTS broadcasts (
            broadcast_id bigint PRIMARY KEY, creator_id bigint, list_id bigint, text text)""",
        """CREATE TABLE IF NOT EXISTS broadcast_recipients (
            broadcast_id bigint PRIMARY KEY, total int, recipients text)""",
        """CREATE TABLE IF NOT EXISTS broadcast_outcomes (
            broadcast_id bigint, user_id bigint, delivered boolean, PRIMARY KEY ((broadcast_id), user_id))""",
    ),
    # -- new migrations go above this line: append only, one block per change (issue 14 helpers: see the brief) --
)

MIGRATIONS_TABLE = "CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, applied_ms bigint)"
LOCK_TABLE = "CREATE TABLE IF NOT EXISTS schema_lock (name text PRIMARY KEY, owner text)"
