"""Live quiz frames: this gateway subscribes to a quiz's board and state subjects only while one of its sockets
watches the quiz (a `quiz_watch` frame), and relays each snapshot as a `quiz_board` frame made for each watcher
(their own rank and score; the answers per choice for the host only).

The quiz scorer publishes at most one snapshot every 500 ms per quiz and only when it changed, so every watcher of
every gateway gets boards at that pace at most; nothing is throttled again here. A socket gets a board only if it
is newer (`at_ms`) than the last it got: the board read from the bucket when it starts watching and the same board
arriving live are sent once.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from chatcluster.gateway.hub import Connection, Outbound, user_frame
from chatcluster.quiz.models import (
    BOARD_SUBJECT_PREFIX,
    STATE_SUBJECT_PREFIX,
    BoardSnapshot,
    board_subject,
    state_subject,
)

log = logging.getLogger(__name__)

MAX_WATCHED = 8  # quizzes one socket may watch at once
MAX_KNOWN_PLAYERS = 200_000  # (quiz, player) pairs this gateway remembers as joined before starting afresh


def personal_board(snapshot: BoardSnapshot | dict[str, Any], user_id: int, host: bool) -> dict[str, Any]:
    """The `quiz_board` frame for one user: the top, their own rank and score, answers per choice for the host."""
    data = snapshot.model_dump(mode="json") if isinstance(snapshot, BoardSnapshot) else snapshot
    mine = data["ranks"].get(str(user_id))
    frame: dict[str, Any] = {
        "type": "quiz_board",
        "quiz_id": data["quiz_id"],
        "seq": data["seq"],
        "at_ms": data["at_ms"],
        "players": data["players"],
        "answers": data["answers"],
        "top": data["top"],
        "me": None if mine is None else {"rank": mine[0], "score": mine[1]},
    }
    if host:
        frame["counts"] = data["counts"]
    return frame


class QuizRelay:
    def __init__(self, nc: NATS) -> None:
        self._nc = nc
        self._watchers: defaultdict[int, set[Connection]] = defaultdict(set)
        self._hosts: dict[int, int] = {}
        self._subs: dict[int, tuple[Subscription, Subscription]] = {}
        self._watching: defaultdict[Connection, set[int]] = defaultdict(set)
        self._last_at: dict[tuple[Connection, int], int] = {}  # the newest board's at_ms each watcher got
        self._players: set[tuple[int, int]] = set()

    def known_player(self, quiz_id: int, user_id: int) -> bool:
        """Whether this gateway already saw the player's join on the stream or in the store: a join is never undone,
        so an answer or a watch need not look again."""
        return (quiz_id, user_id) in self._players

    def remember_player(self, quiz_id: int, user_id: int) -> None:
        if len(self._players) >= MAX_KNOWN_PLAYERS:
            self._players.clear()  # rare; the next look-ups refill it
        self._players.add((quiz_id, user_id))

    def watching(self, conn: Connection) -> set[int]:
        return set(self._watching.get(conn, ()))

    async def watch(self, conn: Connection, quiz_id: int, host_id: int) -> None:
        self._watchers[quiz_id].add(conn)
        self._watching[conn].add(quiz_id)
        self._hosts[quiz_id] = host_id
        if quiz_id not in self._subs:
            self._subs[quiz_id] = (
                await self._nc.subscribe(board_subject(quiz_id), cb=self._on_board),
                await self._nc.subscribe(state_subject(quiz_id), cb=self._on_state),
            )

    def offer_board(self, conn: Connection, snapshot: dict[str, Any], host: bool) -> None:
        """Send `snapshot` to one watcher as its `quiz_board` frame unless it already got this board or a newer one."""
        key = (conn, int(snapshot["quiz_id"]))
        at_ms = int(snapshot["at_ms"])
        if at_ms <= self._last_at.get(key, -1):
            return
        self._last_at[key] = at_ms
        conn.offer(Outbound(json.dumps(personal_board(snapshot, conn.user_id, host))))

    async def unwatch(self, conn: Connection, quiz_id: int) -> None:
        self._watching.get(conn, set()).discard(quiz_id)
        self._last_at.pop((conn, quiz_id), None)
        watchers = self._watchers.get(quiz_id)
        if watchers is None:
            return
        watchers.discard(conn)
        if not watchers:
            del self._watchers[quiz_id]
            self._hosts.pop(quiz_id, None)
            for sub in self._subs.pop(quiz_id, ()):
                await sub.unsubscribe()

    async def detach(self, conn: Connection) -> None:
        for quiz_id in list(self._watching.pop(conn, ())):
            self._watching[conn].add(quiz_id)  # unwatch expects it
            await self.unwatch(conn, quiz_id)
        self._watching.pop(conn, None)

    async def _on_board(self, msg: Msg) -> None:
        quiz_id = int(msg.subject.removeprefix(BOARD_SUBJECT_PREFIX))
        try:
            snapshot = json.loads(msg.data)
        except ValueError:
            log.warning("ignoring a malformed board on %s", msg.subject)
            return
        host = self._hosts.get(quiz_id)
        for conn in list(self._watchers.get(quiz_id, ())):
            self.offer_board(conn, snapshot, conn.user_id == host)

    async def _on_state(self, msg: Msg) -> None:
        item = user_frame(msg.data)
        if item is None:
            return
        quiz_id = int(msg.subject.removeprefix(STATE_SUBJECT_PREFIX))
        for conn in list(self._watchers.get(quiz_id, ())):
            conn.offer(item)
