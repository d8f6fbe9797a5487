"""The quiz API's decisions and I/O: quizzes are written here (compare-and-set on their version), joins and answers
are checked here and published on the QUIZ stream (202 after the PubAck); scores are the quiz scorer's.

A player may answer once per question: a retry carrying the same idempotency key gets the same 202, any other
second answer a 409. Both the stream (deduplicated on quiz, question and player) and the store (keyed on them)
hold the line, so a retried request never counts twice.
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

from nats.errors import Error as NatsError
from pydantic import BaseModel, ConfigDict, Field

from chatcluster.gateway.context import Gateway
from chatcluster.gateway.errors import ApiError
from chatcluster.gateway.hub import Connection
from chatcluster.gateway.messages import require_member, send_message
from chatcluster.gateway.quizrelay import MAX_WATCHED, personal_board
from chatcluster.gateway.schemas import MessageSend
from chatcluster.gateway.security import Identity
from chatcluster.models import Snowflake
from chatcluster.quiz.models import (
    BOARD_TOP,
    BoardEntry,
    BoardSnapshot,
    Quiz,
    QuizAnswerEvent,
    QuizDraft,
    QuizJoinEvent,
    QuizState,
    join_subject,
    state_subject,
)
from chatcluster.quiz.rules import Progress, progress, question_view, rank_key
from chatcluster.quiz.streams import QUIZ_STREAM, latest_board, publish_quiz_event, stored_join
from chatcluster.store.base import Quizzes
from chatcluster.times import epoch_ms


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    choice: int = Field(ge=0, description="Index of the chosen answer (0-based)")
    key: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Idempotency key: a retry with the same key gets the same answer; none: the choice is the key",
    )


class Accepted(BaseModel):
    quiz_id: Snowflake
    accepted: bool = True
    question: int | None = None
    choice: int | None = None


def store_of(gw: Gateway) -> Quizzes:
    return gw.store


async def get_quiz(gw: Gateway, quiz_id: int) -> Quiz:
    quiz = await store_of(gw).get_quiz(quiz_id)
    if quiz is None:
        raise ApiError(404, f"quiz {quiz_id} does not exist")
    return quiz


def require_host(quiz: Quiz, user: Identity) -> None:
    if quiz.host_id != user.user_id:
        raise ApiError(403, "only the quiz's host may do this")


def quiz_out(quiz: Quiz, user: Identity, now: int) -> dict[str, Any]:
    """The quiz as this user may see it: the host everything; a player the questions opened so far, each correct
    answer only once its question has closed."""
    host = quiz.host_id == user.user_id
    where = progress(quiz, now)
    shown = range(len(quiz.draft.questions)) if host else range(where.question + 1)
    return {
        "quiz_id": str(quiz.quiz_id),
        "title": quiz.draft.title,
        "host_id": str(quiz.host_id),
        "host_name": quiz.host_name,
        "room_id": quiz.draft.room_id,
        "available_from": quiz.draft.available_from.isoformat() if quiz.draft.available_from else None,
        "speed_bonus": quiz.draft.speed_bonus,
        "question_count": len(quiz.draft.questions),
        "state": QuizState.ENDED.value if where.ended else quiz.state.value,
        "is_host": host,
        "progress": progress_out(where, now),
        "questions": [question_view(quiz, i, now, host=host) for i in shown],
    }


def progress_out(where: Progress, now: int) -> dict[str, Any]:
    return {
        "question": where.question,
        "opened_ms": where.opened_ms,
        "closes_ms": where.closes_ms,
        "ended": where.ended,
        "now_ms": now,
    }


async def create(gw: Gateway, user: Identity, draft: QuizDraft) -> Quiz:
    if draft.room_id is not None:
        await require_member(gw, draft.room_id, user)
    quiz = Quiz(quiz_id=gw.ids.next_id(), host_id=user.user_id, host_name=user.username, draft=draft)
    await store_of(gw).create_quiz(quiz)
    return quiz


async def _replace(gw: Gateway, quiz: Quiz, **changes: Any) -> Quiz:
    updated = quiz.model_copy(update={**changes, "version": quiz.version + 1})
    if not await store_of(gw).replace_quiz(updated):
        raise ApiError(409, "the quiz changed meanwhile (another request of its host); read it again and retry")
    return updated


async def edit(gw: Gateway, user: Identity, quiz_id: int, draft: QuizDraft) -> Quiz:
    quiz = await get_quiz(gw, quiz_id)
    require_host(quiz, user)
    if quiz.state is not QuizState.DRAFT:
        raise ApiError(409, "the quiz has started: it can no longer be edited")
    if draft.room_id is not None:
        await require_member(gw, draft.room_id, user)
    return await _replace(gw, quiz, draft=draft)


async def _announce(gw: Gateway, quiz: Quiz, now: int) -> None:
    frame = {"type": "quiz_state", "quiz_id": str(quiz.quiz_id), **progress_out(progress(quiz, now), now)}
    with contextlib.suppress(NatsError):  # a courtesy: pages also read the progress and the time limits themselves
        await gw.nc.publish(state_subject(quiz.quiz_id), json.dumps(frame).encode())


async def start(gw: Gateway, user: Identity, quiz_id: int) -> Quiz:
    quiz = await get_quiz(gw, quiz_id)
    require_host(quiz, user)
    if quiz.state is not QuizState.DRAFT:
        raise ApiError(409, "the quiz has already started")
    now = now_ms()
    started = await _replace(gw, quiz, state=QuizState.RUNNING, current=0, opened_ms=now)
    await _announce(gw, started, now)
    if quiz.draft.room_id is not None:
        text = f"Quiz “{quiz.draft.title}” has started: join it at /#quiz={quiz.quiz_id}"
        await send_message(gw, user, quiz.draft.room_id, MessageSend(text=text))
    return started


async def advance(gw: Gateway, user: Identity, quiz_id: int) -> Quiz:
    """Close the open question and open the next; past the last one the quiz ends."""
    quiz = await get_quiz(gw, quiz_id)
    require_host(quiz, user)
    now = now_ms()
    where = progress(quiz, now)
    if quiz.state is QuizState.DRAFT:
        raise ApiError(409, "the quiz has not started: start it first")
    if where.ended:
        raise ApiError(409, "the quiz has ended")
    if where.question + 1 >= len(quiz.draft.questions):
        moved = await _replace(
            gw, quiz, state=QuizState.ENDED, current=where.question, opened_ms=where.opened_ms, ended_ms=now
        )
    else:
        moved = await _replace(gw, quiz, current=where.question + 1, opened_ms=now)
    await _announce(gw, moved, now)
    return moved


def _joinable(quiz: Quiz, where: Progress, now: int) -> None:
    if where.ended:
        raise ApiError(409, "the quiz has ended: it can no longer be joined")
    available = quiz.draft.available_from
    if available is not None and now < epoch_ms(available):
        raise ApiError(409, f"the quiz opens for players at {available.isoformat()}")


async def join(gw: Gateway, user: Identity, quiz_id: int) -> Accepted:
    quiz = await get_quiz(gw, quiz_id)
    now = now_ms()
    _joinable(quiz, progress(quiz, now), now)
    event = QuizJoinEvent(quiz_id=quiz_id, user_id=user.user_id, username=user.username, joined_ms=now)
    await _publish(gw, event)  # joining twice: the stream keeps the first, the store too
    gw.quizzes.remember_player(quiz_id, user.user_id)
    return Accepted(quiz_id=quiz_id)


async def has_joined(gw: Gateway, quiz_id: int, user_id: int) -> bool:
    """The store knows the players the scorer applied; the stream, at once, those it has not yet; this gateway,
    without asking, those it saw join (the answer path of a crowd asks nothing)."""
    if gw.quizzes.known_player(quiz_id, user_id):
        return True
    joined = await store_of(gw).quiz_player(quiz_id, user_id) is not None or await stored_join(
        gw.js, join_subject(quiz_id, user_id)
    )
    if joined:
        gw.quizzes.remember_player(quiz_id, user_id)
    return joined


async def answer(gw: Gateway, user: Identity, quiz_id: int, question: int, body: AnswerIn) -> Accepted:
    quiz = await get_quiz(gw, quiz_id)
    questions = quiz.draft.questions
    if question < 0 or question >= len(questions):
        raise ApiError(404, f"quiz {quiz_id} has no question {question} (it has {len(questions)}, from 0)")
    if body.choice >= len(questions[question].choices):
        raise ApiError(422, f"choice: question {question} has {len(questions[question].choices)} choices, from 0")
    now = now_ms()
    where = progress(quiz, now)
    if not await has_joined(gw, quiz_id, user.user_id):
        raise ApiError(403, "join the quiz before answering")
    key = body.key or f"choice-{body.choice}"
    earlier = await store_of(gw).quiz_answer(quiz_id, question, user.user_id)
    if earlier is not None:
        return _again(quiz_id, question, earlier.key, earlier.choice, key)
    if where.ended:
        raise ApiError(409, "the quiz has ended: answers are closed")
    if quiz.state is QuizState.DRAFT or question > where.question:
        raise ApiError(409, f"question {question} is not open yet")
    if question < where.question:
        raise ApiError(409, f"question {question} has closed: answers to it are no longer taken")
    event = QuizAnswerEvent(
        quiz_id=quiz_id,
        question=question,
        user_id=user.user_id,
        username=user.username,
        choice=body.choice,
        key=key,
        answered_ms=now,
        elapsed_ms=max(0, now - where.opened_ms),
    )
    sequence, duplicate = await _publish(gw, event)
    if duplicate:
        try:
            raw = await gw.js.get_msg(QUIZ_STREAM, seq=sequence, direct=True)
        except (NatsError, TimeoutError) as exc:
            raise ApiError(503, f"the message bus is unavailable ({type(exc).__name__}); retry shortly") from exc
        first = QuizAnswerEvent.model_validate_json(raw.data or b"")
        return _again(quiz_id, question, first.key, first.choice, key)
    return Accepted(quiz_id=quiz_id, question=question, choice=body.choice)


def _again(quiz_id: int, question: int, first_key: str, first_choice: int, key: str) -> Accepted:
    if first_key != key:
        raise ApiError(409, f"you have already answered question {question}: one answer per question")
    return Accepted(quiz_id=quiz_id, question=question, choice=first_choice)


async def _publish(gw: Gateway, event: QuizJoinEvent | QuizAnswerEvent) -> tuple[int, bool]:
    try:
        published = await publish_quiz_event(gw.js, event)
    except (TimeoutError, NatsError) as exc:
        raise ApiError(503, f"the message bus is unavailable ({type(exc).__name__}); retry shortly") from exc
    return published.stream_sequence, published.duplicate


async def board(gw: Gateway, user: Identity, quiz_id: int) -> dict[str, Any]:
    """The latest board the scorer pushed (its bucket); before the first push, one made from the store."""
    quiz = await get_quiz(gw, quiz_id)
    host = quiz.host_id == user.user_id
    if not host and not await has_joined(gw, quiz_id, user.user_id):
        raise ApiError(403, "join the quiz to see its board")
    raw = await latest_board(gw.js, quiz_id)
    snapshot = BoardSnapshot.model_validate_json(raw) if raw else await _board_from_store(gw, quiz_id)
    now = now_ms()
    return {**personal_board(snapshot, user.user_id, host), "progress": progress_out(progress(quiz, now), now)}


async def _board_from_store(gw: Gateway, quiz_id: int) -> BoardSnapshot:
    """Every player sorted once: for a reader who comes before the first push or after the scorer's bucket is gone."""
    players = sorted(await store_of(gw).quiz_scores(quiz_id), key=lambda p: rank_key(p.score, p.reached_ms, p.user_id))
    counts = await store_of(gw).quiz_counts(quiz_id)
    return BoardSnapshot(
        quiz_id=quiz_id,
        seq=1,
        at_ms=now_ms(),
        players=len(players),
        answers=sum(sum(c.values()) for c in counts.values()),
        top=[
            BoardEntry(rank=i, user_id=p.user_id, username=p.username, score=p.score)
            for i, p in enumerate(players[:BOARD_TOP], start=1)
        ],
        ranks={str(p.user_id): (i, p.score) for i, p in enumerate(players, start=1)},
        counts={str(q): [c.get(i, 0) for i in range(max(c) + 1)] for q, c in counts.items()},
    )


async def stats(gw: Gateway, user: Identity, quiz_id: int) -> dict[str, Any]:
    """After the end (the host at any time): the final board and, per question, answers per choice and how many
    were right."""
    quiz = await get_quiz(gw, quiz_id)
    host = quiz.host_id == user.user_id
    now = now_ms()
    if not progress(quiz, now).ended and not host:
        raise ApiError(409, "the statistics are shown once the quiz has ended")
    if not host and not await has_joined(gw, quiz_id, user.user_id):
        raise ApiError(403, "join the quiz to see its statistics")
    final = await _board_from_store(gw, quiz_id)
    counts = await store_of(gw).quiz_counts(quiz_id)
    questions = []
    for index, question in enumerate(quiz.draft.questions):
        by_choice = [counts.get(index, {}).get(c, 0) for c in range(len(question.choices))]
        questions.append(
            {
                "index": index,
                "text": question.text,
                "choices": list(question.choices),
                "correct": question.correct,
                "answers": sum(by_choice),
                "per_choice": by_choice,
                "right": by_choice[question.correct],
            }
        )
    return {
        "quiz_id": str(quiz_id),
        "title": quiz.draft.title,
        "players": final.players,
        "board": [e.model_dump(mode="json") for e in final.top],
        "scores": [{"user_id": uid, "rank": rank, "score": score} for uid, (rank, score) in final.ranks.items()],
        "questions": questions,
    }


async def watch_frame(gw: Gateway, user: Identity, conn: Connection, frame: dict[str, Any]) -> None:
    """`quiz_watch` / `quiz_unwatch` {quiz_id}: start or stop this socket's `quiz_board` and `quiz_state` frames.
    The host and the quiz's players may watch it."""
    raw = frame.get("quiz_id")
    quiz_id = int(raw) if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 19 else None
    if quiz_id is None:
        raise ApiError(400, "quiz_id: the id of a quiz is required (decimal digits)")
    if frame.get("type") == "quiz_unwatch":
        await gw.quizzes.unwatch(conn, quiz_id)
        return
    quiz = await get_quiz(gw, quiz_id)
    if quiz.host_id != user.user_id and not await has_joined(gw, quiz_id, user.user_id):
        raise ApiError(403, "join the quiz to watch its board")
    if len(gw.quizzes.watching(conn)) >= MAX_WATCHED and quiz_id not in gw.quizzes.watching(conn):
        raise ApiError(409, f"a socket may watch at most {MAX_WATCHED} quizzes at once")
    await gw.quizzes.watch(conn, quiz_id, quiz.host_id)
    raw_board = await latest_board(gw.js, quiz_id)  # the board so far, so the page need not wait for a change
    if raw_board:
        snapshot = BoardSnapshot.model_validate_json(raw_board).model_dump(mode="json")
        gw.quizzes.offer_board(conn, snapshot, quiz.host_id == user.user_id)
