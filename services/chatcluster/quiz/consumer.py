"""The quiz scorer: the durable consumer of the QUIZ stream that scores answers, stores them, owns each quiz's
live leaderboard and is the one publisher of its board snapshots.

Batches are handled when `consumer_batch` messages are in hand or 500 ms after the fetch began, whichever comes
first; the batch's joins, answers and scores are written in one `apply_quiz` (atomic with marking them applied),
and only then acked (`ConsumerLoop`). The leaderboards are set from what the store returns, never incremented
here, so a redelivered batch changes nothing; a quiz's board is rebuilt from the store the first time this
process meets the quiz, so it survives restarts.

Boards go out on core NATS (`quiz.board.<quiz>`) and into the QUIZ_BOARDS bucket at most every 500 ms per quiz and
only when they changed: one scorer process owns the quizzes (the operator runs one replica), so the throttle holds
however many gateways relay the frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Protocol

from nats.aio.client import Client as NATS
from nats.errors import Error as NatsError
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue
from pydantic import Field, TypeAdapter

from chatcluster.bus import connect
from chatcluster.config import Settings
from chatcluster.consumer import ConsumerLoop, ConsumerSpec, Delivery
from chatcluster.quiz.leaderboard import Leaderboard
from chatcluster.quiz.models import (
    BOARD_TOP,
    BoardSnapshot,
    Quiz,
    QuizAnswerEvent,
    QuizJoinEvent,
    ScoredAnswer,
    board_subject,
)
from chatcluster.quiz.rules import points_for
from chatcluster.quiz.streams import QUIZ_STREAM, answers_in_stream, board_bucket, ensure_quiz_stream
from chatcluster.quiz.telemetry import quiz_instruments
from chatcluster.store import Lifecycle, open_store
from chatcluster.store.base import Quizzes

log = logging.getLogger(__name__)

DURABLE = "quiz-scorer"
BOARD_INTERVAL_SECONDS = 0.5
BATCH_WAIT_SECONDS = 0.5
# A killed scorer's unacked batch comes back this soon, so scores catch up in real time; a slow batch delivered
# twice changes nothing (the store counts each answer once).
ACK_WAIT_SECONDS = 5.0

QuizEvent = QuizJoinEvent | QuizAnswerEvent
_events: TypeAdapter[QuizEvent] = TypeAdapter(Annotated[QuizEvent, Field(discriminator="schema_version")])


def decode(data: bytes) -> QuizEvent:
    return _events.validate_json(data)


class QuizStore(Lifecycle, Quizzes, Protocol):
    """The roles the quiz scorer uses."""


class BoardSink(Protocol):
    async def push(self, quiz_id: int, payload: bytes) -> None: ...


@dataclass
class QuizBoard:
    """One quiz's live board: the sorted standings, the answers per choice, and whether a push is owed."""

    board: Leaderboard = field(default_factory=Leaderboard)
    counts: dict[int, dict[int, int]] = field(default_factory=dict)
    answers: int = 0
    seq: int = 0
    dirty: bool = False

    def snapshot(self, quiz_id: int, now_ms: int) -> BoardSnapshot:
        self.seq += 1
        counts = {
            str(q): [by_choice.get(c, 0) for c in range(max(by_choice) + 1)] for q, by_choice in self.counts.items()
        }
        return BoardSnapshot(
            quiz_id=quiz_id,
            seq=self.seq,
            at_ms=now_ms,
            players=len(self.board),
            answers=self.answers,
            top=self.board.top(BOARD_TOP),
            ranks=self.board.ranks(),
            counts=counts,
        )


class QuizScorer:
    def __init__(self, store: Quizzes, sink: BoardSink) -> None:
        self.store = store
        self.sink = sink
        self.boards: dict[int, QuizBoard] = {}
        self._quizzes: dict[int, Quiz] = {}  # a started quiz never changes its questions

    async def _quiz(self, quiz_id: int) -> Quiz | None:
        quiz = self._quizzes.get(quiz_id)
        if quiz is None:
            quiz = await self.store.get_quiz(quiz_id)
            if quiz is not None:
                self._quizzes[quiz_id] = quiz
        return quiz

    async def _board(self, quiz_id: int) -> QuizBoard:
        """The quiz's board, rebuilt from the store the first time this process meets the quiz. A rebuilt board owes
        a push: the process before may have stored a batch and died before pushing its board."""
        found = self.boards.get(quiz_id)
        if found is None:
            found = QuizBoard(dirty=True)
            for player in await self.store.quiz_scores(quiz_id):
                found.board.set(player)
            found.counts = await self.store.quiz_counts(quiz_id)
            found.answers = sum(sum(c.values()) for c in found.counts.values())
            self.boards[quiz_id] = found
        return found

    async def catch_up(self, answers_in_stream: dict[int, int], pushed_answers: dict[int, int]) -> list[int]:
        """Rebuild (and so push) the board of every quiz whose last pushed board counts other than the answers its
        stream holds: a scorer killed after acking a batch and before pushing left it behind, and no redelivery
        will come to fix it. The quizzes rebuilt."""
        behind = [q for q, count in answers_in_stream.items() if pushed_answers.get(q) != count]
        for quiz_id in behind:
            await self._board(quiz_id)
        return behind

    async def handle(self, batch: Sequence[Delivery[QuizEvent]]) -> None:
        joins: list[QuizJoinEvent] = []
        scored: list[ScoredAnswer] = []
        for event in (d.value for d in batch):
            if isinstance(event, QuizJoinEvent):
                joins.append(event)
                continue
            quiz = await self._quiz(event.quiz_id)
            if quiz is None or event.question >= len(quiz.draft.questions):
                log.warning("ignoring an answer to an unknown quiz or question: %s", event.dedup_key)
                continue
            question = quiz.draft.questions[event.question]
            points = points_for(question, event.choice, event.elapsed_ms, quiz.draft.speed_bonus)
            scored.append(ScoredAnswer(answer=event, points=points))
        quiz_ids = {e.quiz_id for e in joins} | {s.answer.quiz_id for s in scored}
        boards = {quiz_id: await self._board(quiz_id) for quiz_id in quiz_ids}
        applied = await self.store.apply_quiz(joins, scored)
        instruments = quiz_instruments()
        instruments.joins.add(applied.joins)
        instruments.answers.add(applied.answers)
        now_ms = time.time_ns() // 1_000_000
        for item in scored:
            instruments.scoring_lag.record(max(0, now_ms - item.answer.answered_ms) / 1000)
        for player_quiz, player in applied.players:
            if boards[player_quiz].board.set(player):
                boards[player_quiz].dirty = True
        for quiz_id in {s.answer.quiz_id for s in scored}:
            counts = await self.store.quiz_counts(quiz_id)
            board = boards[quiz_id]
            if counts != board.counts:
                board.counts, board.dirty = counts, True
                board.answers = sum(sum(c.values()) for c in counts.values())

    async def push_due(self) -> int:
        """Publish every board that changed since its last push; the boards pushed."""
        pushed = 0
        now_ms = time.time_ns() // 1_000_000
        for quiz_id, board in list(self.boards.items()):
            if not board.dirty:
                continue
            board.dirty = False
            payload = board.snapshot(quiz_id, now_ms).model_dump_json().encode()
            try:
                await self.sink.push(quiz_id, payload)
            except (NatsError, TimeoutError) as exc:
                board.dirty = True  # pushed next tick
                log.warning("pushing the board of quiz %s failed: %r", quiz_id, exc)
                continue
            pushed += 1
        quiz_instruments().board_pushes.add(pushed)
        return pushed

    async def push_periodically(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            started = time.monotonic()
            await self.push_due()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, BOARD_INTERVAL_SECONDS - (time.monotonic() - started)))
        await self.push_due()  # what the last batch changed, before the process goes


class NatsBoardSink:
    """Core NATS for the gateways, the bucket for whoever asks later (the board API, a gateway's new watcher)."""

    def __init__(self, nc: NATS, kv: KeyValue) -> None:
        self.nc = nc
        self.kv = kv

    async def push(self, quiz_id: int, payload: bytes) -> None:
        await self.kv.put(str(quiz_id), payload)
        await self.nc.publish(board_subject(quiz_id), payload)


async def pushed_answers(kv: KeyValue, quiz_ids: Iterable[int]) -> dict[int, int]:
    """The answers each quiz's last pushed board counted (quizzes never pushed are left out)."""
    counted = {}
    for quiz_id in quiz_ids:
        with contextlib.suppress(KeyNotFoundError):
            entry = await kv.get(str(quiz_id))
            if entry.value:
                counted[quiz_id] = BoardSnapshot.model_validate_json(entry.value).answers
    return counted


async def run_quiz_scorer(settings: Settings, stop: asyncio.Event) -> None:
    store = await open_store(settings)
    nc = await connect(settings, name="quiz-scorer-boards")
    js = nc.jetstream(timeout=5)
    await ensure_quiz_stream(js, settings)
    boards = await board_bucket(js, settings)
    scorer = QuizScorer(store, NatsBoardSink(nc, boards))
    in_stream = await answers_in_stream(js)
    behind = await scorer.catch_up(in_stream, await pushed_answers(boards, in_stream))
    if behind:
        log.info("rebuilt the boards of %d quizzes the last pushes left behind", len(behind))
    quiz_instruments().prime()
    spec = ConsumerSpec(
        durable=DURABLE,
        stream=QUIZ_STREAM,
        filter_subject="quiz.>",
        decode=decode,
        handle=scorer.handle,
        max_wait_seconds=BATCH_WAIT_SECONDS,
        ack_wait_seconds=ACK_WAIT_SECONDS,
    )
    pushing = asyncio.create_task(scorer.push_periodically(stop))
    try:
        await ConsumerLoop(settings, spec).run(stop)
    finally:
        await pushing
        await nc.close()
        await store.close()
