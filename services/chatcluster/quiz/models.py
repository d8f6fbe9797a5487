"""Quiz records, the events on the QUIZ stream and the board snapshots: versioned pydantic models.

Ids are 64-bit Snowflakes, decimal strings in JSON, like every id of the platform.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chatcluster.models import RoomId, Snowflake

MAX_QUESTIONS = 500
MIN_CHOICES = 2
MAX_CHOICES = 6
MAX_POINTS = 10_000
MIN_TIME_LIMIT_SECONDS = 3
MAX_TIME_LIMIT_SECONDS = 3600
BOARD_TOP = 10  # entries of the top every board carries

JOIN_SUBJECT_PREFIX = "quiz.join."
ANSWER_SUBJECT_PREFIX = "quiz.answer."
BOARD_SUBJECT_PREFIX = "quiz.board."  # core NATS: the consumer's snapshots, relayed by every gateway
STATE_SUBJECT_PREFIX = "quiz.state."  # core NATS: the gateway's news of a start, an advance or an edit


def join_subject(quiz_id: int, user_id: int) -> str:
    """`quiz.join.<quiz>.<user>`: the last token lets a gateway read one player's join from the stream at once."""
    return f"{JOIN_SUBJECT_PREFIX}{quiz_id}.{user_id}"


def answer_subject(quiz_id: int) -> str:
    return f"{ANSWER_SUBJECT_PREFIX}{quiz_id}"


def board_subject(quiz_id: int) -> str:
    return f"{BOARD_SUBJECT_PREFIX}{quiz_id}"


def state_subject(quiz_id: int) -> str:
    return f"{STATE_SUBJECT_PREFIX}{quiz_id}"


class Question(BaseModel):
    """One question as the host writes it: 2 to 6 choices, exactly one of them correct."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(min_length=1, max_length=1000)
    choices: list[str] = Field(min_length=MIN_CHOICES, max_length=MAX_CHOICES)
    correct: int = Field(ge=0, description="Index of the correct choice (0-based)")
    points: int = Field(default=100, ge=1, le=MAX_POINTS, description="Points for a correct answer")
    time_limit_seconds: int | None = Field(
        default=None,
        ge=MIN_TIME_LIMIT_SECONDS,
        le=MAX_TIME_LIMIT_SECONDS,
        description="The question closes (and the next opens) this long after it opened; none: the host advances",
    )

    @model_validator(mode="after")
    def _correct_is_a_choice(self) -> Question:
        if self.correct >= len(self.choices):
            raise ValueError(f"correct: {self.correct} is not one of the {len(self.choices)} choices (0-based index)")
        for choice in self.choices:
            if not choice.strip() or len(choice) > 200:
                raise ValueError("choices: each choice is 1 to 200 characters and not blank")
        return self


class QuizDraft(BaseModel):
    """What a host creates or edits (until the quiz starts)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    questions: list[Question] = Field(min_length=1, max_length=MAX_QUESTIONS)
    available_from: datetime | None = Field(
        default=None, description="Players may join from this time on (with a time zone); none: at once"
    )
    room_id: RoomId | None = Field(default=None, description="A chat room whose members are told of the quiz")
    speed_bonus: bool = Field(default=True, description="A correct answer to a timed question earns up to half more")

    @model_validator(mode="after")
    def _aware(self) -> QuizDraft:
        if self.available_from is not None and self.available_from.tzinfo is None:
            raise ValueError("available_from: give a time zone (e.g. 2030-01-01T09:00:00Z)")
        return self


class QuizState(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    ENDED = "ended"


class Quiz(BaseModel):
    """A quiz as stored. `current` is the question the host last opened and `opened_ms` when; timed questions
    move on by themselves (`rules.progress`), so the stored pair is where the schedule starts from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    quiz_id: Snowflake
    host_id: Snowflake
    host_name: str
    draft: QuizDraft
    state: QuizState = QuizState.DRAFT
    current: int = -1
    opened_ms: int = 0
    ended_ms: int | None = None
    version: int = 1


class QuizJoinEvent(BaseModel):
    """A player joined: on `quiz.join.<quiz>.<user>`, Nats-Msg-Id `quiz-join:<quiz>:<user>` (once per player)."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="QuizJoinEvent")

    schema_version: Literal["chatcluster.quiz.join.v1"] = "chatcluster.quiz.join.v1"
    quiz_id: Snowflake
    user_id: Snowflake
    username: str
    joined_ms: int = Field(ge=0)

    @property
    def subject(self) -> str:
        return join_subject(self.quiz_id, self.user_id)

    @property
    def dedup_key(self) -> str:
        return f"quiz-join:{self.quiz_id}:{self.user_id}"


class QuizAnswerEvent(BaseModel):
    """A player's answer: on `quiz.answer.<quiz>`, Nats-Msg-Id `quiz-answer:<quiz>:<question>:<user>`, so one
    answer per player and question reaches the stream; `key` is the client's idempotency key (a retry of the same
    request carries it again), `elapsed_ms` how long after the question opened the gateway accepted it."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="QuizAnswerEvent")

    schema_version: Literal["chatcluster.quiz.answer.v1"] = "chatcluster.quiz.answer.v1"
    quiz_id: Snowflake
    question: int = Field(ge=0)
    user_id: Snowflake
    username: str
    choice: int = Field(ge=0)
    key: str = Field(min_length=1, max_length=64)
    answered_ms: int = Field(ge=0)
    elapsed_ms: int = Field(ge=0)

    @property
    def subject(self) -> str:
        return answer_subject(self.quiz_id)

    @property
    def dedup_key(self) -> str:
        return f"quiz-answer:{self.quiz_id}:{self.question}:{self.user_id}"


class ScoredAnswer(BaseModel):
    """An answer with the points the rules gave it: what the store records, once per (quiz, question, user)."""

    model_config = ConfigDict(frozen=True)

    answer: QuizAnswerEvent
    points: int = Field(ge=0)


class PlayerScore(BaseModel):
    """A player's standing: ranked by score (highest first), then by who reached it first (`reached_ms`), then
    by user id."""

    model_config = ConfigDict(frozen=True)

    user_id: Snowflake
    username: str
    score: int = 0
    reached_ms: int = 0
    answered: int = 0


class StoredAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    question: int
    choice: int
    points: int
    key: str


class BoardEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    rank: int
    user_id: Snowflake
    username: str
    score: int


class BoardSnapshot(BaseModel):
    """What the quiz consumer publishes on `quiz.board.<quiz>` (at most every 500 ms, only when it changed) and
    keeps in the QUIZ_BOARDS bucket: the top, every player's rank and score (`ranks`: user id → [rank, score]),
    and the answers per choice of every question so far (for the host)."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="QuizBoardSnapshot")

    schema_version: Literal["chatcluster.quiz.board.v1"] = "chatcluster.quiz.board.v1"
    quiz_id: Snowflake
    seq: int = Field(ge=1, description="Rises with every snapshot of the quiz")
    at_ms: int
    players: int
    answers: int
    top: list[BoardEntry]
    ranks: dict[str, tuple[int, int]]
    counts: dict[str, list[int]] = Field(description="question index → answers per choice")
