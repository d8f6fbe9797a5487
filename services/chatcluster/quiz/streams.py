"""The QUIZ stream (joins and answers), the board bucket, and the one way to publish a quiz event."""

from __future__ import annotations

import contextlib

from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, KeyValueConfig, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError
from nats.js.kv import KeyValue

from chatcluster.bus import Published, _ensure_stream
from chatcluster.config import Settings
from chatcluster.quiz.models import ANSWER_SUBJECT_PREFIX, JOIN_SUBJECT_PREFIX, QuizAnswerEvent, QuizJoinEvent

QUIZ_STREAM = "QUIZ"
BOARD_BUCKET = "QUIZ_BOARDS"


def quiz_stream_config(settings: Settings) -> StreamConfig:
    """Deduplicated on the natural keys (`QuizJoinEvent.dedup_key`, `QuizAnswerEvent.dedup_key`) for the platform's
    duplicate window; past it the store's keys still count an answer once."""
    return StreamConfig(
        name=QUIZ_STREAM,
        subjects=[f"{JOIN_SUBJECT_PREFIX}>", f"{ANSWER_SUBJECT_PREFIX}>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        duplicate_window=float(settings.dedup_window_seconds),
        allow_direct=True,  # a gateway reads a player's join by its subject at once
        num_replicas=settings.stream_replicas,
    )


async def ensure_quiz_stream(js: JetStreamContext, settings: Settings) -> None:
    await _ensure_stream(js, quiz_stream_config(settings))


async def board_bucket(js: JetStreamContext, settings: Settings) -> KeyValue:
    """The latest board snapshot of each quiz (key: the quiz id), written by the quiz consumer with each push."""
    try:
        return await js.key_value(BOARD_BUCKET)
    except NotFoundError:
        return await js.create_key_value(
            KeyValueConfig(bucket=BOARD_BUCKET, history=1, storage=StorageType.FILE, replicas=settings.stream_replicas)
        )


async def latest_board(js: JetStreamContext, quiz_id: int) -> bytes | None:
    """The last snapshot pushed for the quiz; None before the first (or while the bucket does not exist)."""
    with contextlib.suppress(NotFoundError):
        kv = await js.key_value(BOARD_BUCKET)
        entry = await kv.get(str(quiz_id))
        return entry.value
    return None


async def answers_in_stream(js: JetStreamContext) -> dict[int, int]:
    """Each quiz with answers on the stream and how many (one subject per quiz, counted by the server)."""
    info = await js.stream_info(QUIZ_STREAM, subjects_filter=f"{ANSWER_SUBJECT_PREFIX}>")
    counts = {}
    for subject, count in (info.state.subjects or {}).items():
        quiz = subject.removeprefix(ANSWER_SUBJECT_PREFIX)
        if quiz.isdigit():
            counts[int(quiz)] = count
    return counts


async def publish_quiz_event(js: JetStreamContext, event: QuizJoinEvent | QuizAnswerEvent) -> Published:
    """Publish on the QUIZ stream and wait for the PubAck; a duplicate's sequence is the stored original's."""
    ack = await js.publish(
        event.subject,
        event.model_dump_json().encode(),
        headers={"Nats-Msg-Id": event.dedup_key},
        stream=QUIZ_STREAM,
    )
    return Published(stream_sequence=ack.seq, duplicate=bool(ack.duplicate))


async def stored_join(js: JetStreamContext, subject: str) -> bool:
    """Whether the stream holds a join on `subject` (`quiz.join.<quiz>.<user>`): the consumer may not have stored it
    yet."""
    try:
        await js.get_msg(QUIZ_STREAM, subject=subject, direct=True)
    except NotFoundError:
        return False
    except NatsError:
        return False
    return True
