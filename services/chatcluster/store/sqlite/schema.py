"""The SQLite schema as versioned migrations, applied in order by `SqliteConnection.open`.

The tables follow the Cassandra layout (messages keyed by room, time bucket and id) so that
both back ends answer the same queries the same way.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE users (
        user_id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        created_ms INTEGER NOT NULL
    );
    CREATE TABLE rooms (
        room_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        created_by INTEGER NOT NULL,
        created_ms INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE room_members (
        room_id TEXT NOT NULL,
        user_id INTEGER NOT NULL,
        joined_ms INTEGER NOT NULL,
        PRIMARY KEY (room_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX room_members_by_user ON room_members (user_id, room_id);
    CREATE TABLE messages (
        room_id TEXT NOT NULL,
        bucket INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        author_id INTEGER NOT NULL,
        author TEXT NOT NULL,
        text TEXT NOT NULL,
        reply_to INTEGER,
        client_id TEXT,
        edited_ms INTEGER,
        deleted INTEGER NOT NULL DEFAULT 0,
        version INTEGER NOT NULL,
        PRIMARY KEY (room_id, bucket, message_id)
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX messages_by_id ON messages (message_id);
    """,
    """
    CREATE TABLE message_sentiment (
        message_id INTEGER PRIMARY KEY,
        label INTEGER NOT NULL,
        confidence REAL NOT NULL,
        model_version TEXT NOT NULL,
        version INTEGER NOT NULL
    );
    CREATE TABLE agg_counted (message_id INTEGER PRIMARY KEY) WITHOUT ROWID;
    CREATE TABLE agg_messages (
        day TEXT NOT NULL, room_id TEXT NOT NULL, user_id INTEGER NOT NULL, username TEXT NOT NULL,
        count INTEGER NOT NULL, PRIMARY KEY (day, room_id, user_id)
    ) WITHOUT ROWID;
    CREATE TABLE agg_sentiment (
        room_id TEXT NOT NULL, minute INTEGER NOT NULL,
        positive INTEGER NOT NULL, neutral INTEGER NOT NULL, negative INTEGER NOT NULL,
        PRIMARY KEY (room_id, minute)
    ) WITHOUT ROWID;
    CREATE INDEX agg_sentiment_by_minute ON agg_sentiment (minute);
    CREATE TABLE agg_top_minute (
        kind TEXT NOT NULL, minute INTEGER NOT NULL, key TEXT NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY (kind, minute, key)
    ) WITHOUT ROWID;
    CREATE TABLE agg_top_total (
        kind TEXT NOT NULL, key TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (kind, key)
    ) WITHOUT ROWID;
    CREATE INDEX agg_top_total_by_count ON agg_top_total (kind, count DESC);
    CREATE TABLE agg_rate (second INTEGER PRIMARY KEY, count INTEGER NOT NULL);
    """,
    """
    CREATE VIRTUAL TABLE message_search USING fts5(text, room_id UNINDEXED, tokenize = 'unicode61');
    INSERT INTO message_search (rowid, text, room_id) SELECT message_id, text, room_id FROM messages WHERE deleted = 0;
    """,
    """
    ALTER TABLE users ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE sessions (
        session_id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL,
        secret_hash TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        last_used_ms INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL,
        user_agent TEXT NOT NULL
    );
    CREATE INDEX sessions_by_user ON sessions (user_id, session_id);
    """,
    # Every count keeps the privacy of its room when the message was said (chatcluster.privacy), in its
    # key. The old counts cannot be split, so they go, and the aggregator recounts the CHAT_SCORED
    # stream into these tables when it starts (`stats_recount` says a recount is pending).
    """
    DROP TABLE agg_counted;
    DROP TABLE agg_messages;
    DROP TABLE agg_sentiment;
    DROP TABLE agg_top_minute;
    DROP TABLE agg_top_total;
    DROP TABLE agg_rate;
    CREATE TABLE stats_counted (message_id INTEGER PRIMARY KEY) WITHOUT ROWID;
    CREATE TABLE stats_messages (
        day TEXT NOT NULL, room_id TEXT NOT NULL, user_id INTEGER NOT NULL, private INTEGER NOT NULL,
        username TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (day, room_id, user_id, private)
    ) WITHOUT ROWID;
    CREATE TABLE stats_sentiment (
        room_id TEXT NOT NULL, minute INTEGER NOT NULL, private INTEGER NOT NULL,
        positive INTEGER NOT NULL, neutral INTEGER NOT NULL, negative INTEGER NOT NULL,
        PRIMARY KEY (room_id, private, minute)
    ) WITHOUT ROWID;
    CREATE INDEX stats_sentiment_by_minute ON stats_sentiment (private, minute);
    CREATE TABLE stats_top_minute (
        kind TEXT NOT NULL, private INTEGER NOT NULL, minute INTEGER NOT NULL, key TEXT NOT NULL,
        count INTEGER NOT NULL, PRIMARY KEY (kind, private, minute, key)
    ) WITHOUT ROWID;
    CREATE TABLE stats_top_total (
        kind TEXT NOT NULL, private INTEGER NOT NULL, key TEXT NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY (kind, private, key)
    ) WITHOUT ROWID;
    CREATE INDEX stats_top_total_by_count ON stats_top_total (kind, private, count DESC);
    CREATE TABLE stats_rate (second INTEGER PRIMARY KEY, count INTEGER NOT NULL);
    CREATE TABLE stats_recount (pending INTEGER PRIMARY KEY);
    INSERT INTO stats_recount VALUES (1);
    """,
    # Read markers: the last message each user has read in each room, found by user (their room list)
    # and by room (how far the members of a direct-message room have read).
    """
    CREATE TABLE read_markers (
        user_id INTEGER NOT NULL, room_id TEXT NOT NULL, message_id INTEGER NOT NULL,
        PRIMARY KEY (user_id, room_id)
    ) WITHOUT ROWID;
    CREATE INDEX read_markers_by_room ON read_markers (room_id, user_id);
    """,
    # Mentions: the members a message names (ids separated by spaces). Notification feeds, keyed by user and
    # message, with the unread ones and the mentions by room indexed for their counts; each user's settings
    # (JSON); the users who may be owed a digest, and each one's last digest claim.
    """
    ALTER TABLE messages ADD COLUMN mentions TEXT NOT NULL DEFAULT '';
    CREATE TABLE notifications (
        user_id INTEGER NOT NULL, notification_id INTEGER NOT NULL, kind TEXT NOT NULL, room_id TEXT NOT NULL,
        message_id INTEGER NOT NULL, author_id INTEGER NOT NULL, author TEXT NOT NULL, preview TEXT NOT NULL,
        created_ms INTEGER NOT NULL, read INTEGER NOT NULL, deleted INTEGER NOT NULL, version INTEGER NOT NULL,
        PRIMARY KEY (user_id, notification_id)
    ) WITHOUT ROWID;
    CREATE INDEX notifications_unread ON notifications (user_id) WHERE read = 0;
    CREATE INDEX notifications_by_room ON notifications (user_id, room_id, kind, message_id);
    CREATE TABLE user_settings (user_id INTEGER PRIMARY KEY, settings TEXT NOT NULL);
    CREATE TABLE digest_queue (user_id INTEGER PRIMARY KEY, queued_ms INTEGER NOT NULL);
    CREATE TABLE digest_claims (user_id INTEGER PRIMARY KEY, claimed_ms INTEGER NOT NULL, up_to INTEGER NOT NULL);
    """,
    # Rooms people can run (issue 14): each room's topic and privacy (a private room stays out of the directory);
    # each member's role, the creators of the group rooms made before roles becoming their owners; who is banned
    # from each room; the messages pinned in each room.
    """
    ALTER TABLE rooms ADD COLUMN topic TEXT NOT NULL DEFAULT '';
    ALTER TABLE rooms ADD COLUMN private INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX rooms_directory ON rooms (kind, private, created_ms);
    ALTER TABLE room_members ADD COLUMN role TEXT NOT NULL DEFAULT 'member';
    UPDATE room_members SET role = 'owner' WHERE EXISTS (
        SELECT 1 FROM rooms r WHERE r.room_id = room_members.room_id AND r.kind = 'group'
        AND r.created_by = room_members.user_id
    );
    CREATE TABLE room_bans (
        room_id TEXT NOT NULL, user_id INTEGER NOT NULL, banned_ms INTEGER NOT NULL, banned_by INTEGER NOT NULL,
        PRIMARY KEY (room_id, user_id)
    ) WITHOUT ROWID;
    CREATE TABLE room_pins (
        room_id TEXT NOT NULL, message_id INTEGER NOT NULL, pinned_ms INTEGER NOT NULL, pinned_by INTEGER NOT NULL,
        PRIMARY KEY (room_id, message_id)
    ) WITHOUT ROWID;
    """,
    # Replies, edit history and reactions (issue 14): replies found by their parent; every text a message has had,
    # the current ones of the messages already stored as their first; one reaction per message, user and emoji,
    # kept (present or not) with the event id that set it, so the highest event id wins.
    """
    CREATE INDEX messages_by_reply ON messages (reply_to, message_id) WHERE reply_to IS NOT NULL;
    CREATE TABLE message_versions (
        message_id INTEGER NOT NULL, event_id INTEGER NOT NULL, text TEXT NOT NULL, edited_ms INTEGER,
        PRIMARY KEY (message_id, event_id)
    ) WITHOUT ROWID;
    INSERT INTO message_versions SELECT message_id, version, text, edited_ms FROM messages WHERE deleted = 0;
    CREATE TABLE reactions (
        message_id INTEGER NOT NULL, emoji TEXT NOT NULL, user_id INTEGER NOT NULL, username TEXT NOT NULL,
        present INTEGER NOT NULL, version INTEGER NOT NULL,
        PRIMARY KEY (message_id, emoji, user_id)
    ) WITHOUT ROWID;
    """,
    # Contacts and blocks (issue 14): each user's contacts and the users they blocked, with the name each had when
    # added (usernames never change). The directory reads the users table's own NOCASE index on the name.
    """
    CREATE TABLE contacts (
        user_id INTEGER NOT NULL, contact_id INTEGER NOT NULL, username TEXT NOT NULL,
        PRIMARY KEY (user_id, contact_id)
    ) WITHOUT ROWID;
    CREATE TABLE blocks (
        user_id INTEGER NOT NULL, blocked_id INTEGER NOT NULL, username TEXT NOT NULL,
        PRIMARY KEY (user_id, blocked_id)
    ) WITHOUT ROWID;
    """,
    # The live quiz (issue 15): each quiz as its JSON with a version for compare-and-set; its players with their
    # score and when they reached it; one answer per quiz, question and player, whose row marks its points added.
    """
    CREATE TABLE quizzes (quiz_id INTEGER PRIMARY KEY, body TEXT NOT NULL, version INTEGER NOT NULL);
    CREATE TABLE quiz_players (
        quiz_id INTEGER NOT NULL, user_id INTEGER NOT NULL, username TEXT NOT NULL, score INTEGER NOT NULL,
        reached_ms INTEGER NOT NULL, answered INTEGER NOT NULL, PRIMARY KEY (quiz_id, user_id)
    ) WITHOUT ROWID;
    CREATE TABLE quiz_answers (
        quiz_id INTEGER NOT NULL, question INTEGER NOT NULL, user_id INTEGER NOT NULL, choice INTEGER NOT NULL,
        points INTEGER NOT NULL, answered_ms INTEGER NOT NULL, key TEXT NOT NULL,
        PRIMARY KEY (quiz_id, question, user_id)
    ) WITHOUT ROWID;
    """,
    # Pictures and files (issue 16): each upload's metadata (its bytes are a blob named by sha256, in the BlobStore)
    # with what the media worker made of it, and the messages that carry it.
    """
    CREATE TABLE media (
        media_id INTEGER PRIMARY KEY, uploader_id INTEGER NOT NULL, sha256 TEXT NOT NULL, filename TEXT NOT NULL,
        content_type TEXT NOT NULL, size INTEGER NOT NULL, width INTEGER, height INTEGER, created_ms INTEGER NOT NULL,
        strip_location INTEGER NOT NULL, thumbnail_sha256 TEXT, clean_sha256 TEXT
    );
    CREATE TABLE media_links (
        media_id INTEGER NOT NULL, message_id INTEGER NOT NULL, room_id TEXT NOT NULL,
        PRIMARY KEY (media_id, message_id)
    ) WITHOUT ROWID;
    ALTER TABLE messages ADD COLUMN attachments TEXT;
    """,
    # Creators (issue 17): the creator flag, each creator's lists and their members, broadcasts with their
    # recipients frozen once (with the message id of each copy) and each recipient's outcome.
    """
    CREATE TABLE creators (user_id INTEGER PRIMARY KEY);
    CREATE TABLE creator_lists (
        list_id INTEGER PRIMARY KEY, creator_id INTEGER NOT NULL, name TEXT NOT NULL, created_ms INTEGER NOT NULL
    );
    CREATE INDEX creator_lists_by_creator ON creator_lists (creator_id, list_id);
    CREATE TABLE list_members (
        list_id INTEGER NOT NULL, user_id INTEGER NOT NULL, username TEXT NOT NULL, PRIMARY KEY (list_id, user_id)
    ) WITHOUT ROWID;
    CREATE TABLE broadcasts (
        broadcast_id INTEGER PRIMARY KEY, creator_id INTEGER NOT NULL, list_id INTEGER NOT NULL, text TEXT NOT NULL
    );
    CREATE TABLE broadcast_recipients (
        broadcast_id INTEGER PRIMARY KEY, total INTEGER NOT NULL, recipients TEXT NOT NULL
    );
    CREATE TABLE broadcast_outcomes (
        broadcast_id INTEGER NOT NULL, user_id INTEGER NOT NULL, delivered INTEGER NOT NULL,
        PRIMARY KEY (broadcast_id, user_id)
    ) WITHOUT ROWID;
    """,
    # -- new migrations go above this line: append only, one block per change (issue 14 helpers: see the brief) --
)
