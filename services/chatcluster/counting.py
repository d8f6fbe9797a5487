"""Pure aggregation: what a batch of scored messages adds to every statistic.

The store applies a delta only for messages it has not counted before, in the
same transaction that records them as counted, so redeliveries, replays and
rebuilds never count a message twice. Everything is keyed by the message's own
time (from its Snowflake id), never by when it was processed, so a replay from
the start of the stream reproduces the live figures exactly.

Every count except the per-second rate also carries whether its room is private
(`chatcluster.privacy`), so what a non-member may see is read from the public
counts alone and a platform admin's figures add the private ones: one write per
count, never a second copy.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from chatcluster.ids import id_timestamp_ms
from chatcluster.models import EventKind, ScoredEvent
from chatcluster.privacy import is_private_room
from chatcluster.times import utc_datetime

MINUTE_MS = 60_000
SECOND_MS = 1_000

# A data file, not scikit-learn's module: importing sklearn would cost the gateway two seconds.
STOP_WORDS = frozenset(
    line.strip()
    for line in (Path(__file__).parent / "stopwords.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
)
_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
_WORD = re.compile(r"[^\W\d_]{2,32}(?:'[^\W\d_]+)?")


class TopKind(StrEnum):
    WORDS = "words"
    USERS = "users"
    ROOMS = "rooms"


def words_of(text: str) -> list[str]:
    """Topic words of a message: lower case, no URLs, mentions, numbers or stop words."""
    cleaned = _MENTION.sub(" ", _URL.sub(" ", text.lower()))
    return [w for w in (m.replace("'", "") for m in _WORD.findall(cleaned)) if w not in STOP_WORDS]


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """Where each of `words_of(text)` stands in `text`: (start, end, word), character offsets into `text` itself.

    The same steps as `words_of`, on a lowered copy that remembers where each of its characters came from
    (lowering may lengthen a character: 'İ' becomes two), with URLs and mentions blanked in place."""
    lowered: list[str] = []
    origin: list[int] = []
    for position, char in enumerate(text):
        low = char.lower()
        lowered.append(low)
        origin += [position] * len(low)
    cleaned = "".join(lowered)
    for pattern in (_URL, _MENTION):
        cleaned = pattern.sub(lambda m: " " * len(m.group()), cleaned)
    return [
        (origin[m.start()], origin[m.end() - 1] + 1, word)
        for m in _WORD.finditer(cleaned)
        if (word := m.group().replace("'", "")) not in STOP_WORDS
    ]


def utc_day(ms: int) -> str:
    return utc_datetime(ms).date().isoformat()


@dataclass(frozen=True)
class MessageCountKey:
    day: str
    room_id: str
    user_id: int
    username: str
    private: bool


@dataclass(frozen=True)
class SentimentKey:
    room_id: str
    minute: int
    private: bool


@dataclass(frozen=True)
class TopKey:
    kind: TopKind
    private: bool
    minute: int
    key: str


@dataclass
class SentimentCounts:
    positive: int = 0
    neutral: int = 0
    negative: int = 0

    def add(self, label: int) -> None:
        if label > 0:
            self.positive += 1
        elif label < 0:
            self.negative += 1
        else:
            self.neutral += 1


@dataclass
class AggregateDelta:
    messages: Counter[MessageCountKey] = field(default_factory=Counter)
    sentiment: dict[SentimentKey, SentimentCounts] = field(default_factory=dict)
    top: Counter[TopKey] = field(default_factory=Counter)
    per_second: Counter[int] = field(default_factory=Counter)

    @property
    def empty(self) -> bool:
        return not (self.messages or self.sentiment or self.top or self.per_second)

    def top_totals(self) -> Counter[tuple[TopKind, bool, str]]:
        """The top counts summed over their minutes, by (kind, privacy, key): what the all-time lists add."""
        totals: Counter[tuple[TopKind, bool, str]] = Counter()
        for top, n in self.top.items():
            totals[(top.kind, top.private, top.key)] += n
        return totals


def countable(events: Iterable[ScoredEvent]) -> dict[int, ScoredEvent]:
    """New messages only (edits and deletes do not change the counts), one per message id."""
    return {e.message.message_id: e for e in events if e.kind is EventKind.CREATED}


def delta_of(events: Iterable[ScoredEvent]) -> AggregateDelta:
    """Everything these (already deduplicated) messages add to the statistics."""
    delta = AggregateDelta()
    for event in events:
        message = event.message
        ms = id_timestamp_ms(message.message_id)
        minute = ms - ms % MINUTE_MS
        private = is_private_room(message.room_id, private=event.private)
        day = utc_day(ms)
        delta.messages[MessageCountKey(day, message.room_id, message.author_id, message.author, private)] += 1
        sentiment_key = SentimentKey(message.room_id, minute, private)
        delta.sentiment.setdefault(sentiment_key, SentimentCounts()).add(event.sentiment.label)
        delta.per_second[ms - ms % SECOND_MS] += 1
        delta.top[TopKey(TopKind.USERS, private, minute, message.author)] += 1
        delta.top[TopKey(TopKind.ROOMS, private, minute, message.room_id)] += 1
        for word in words_of(message.text):
            delta.top[TopKey(TopKind.WORDS, private, minute, word)] += 1
    return delta


# What the store reads back. Plain values: the API's bodies (`gateway.schemas`) are built from them.


@dataclass(frozen=True, kw_only=True)
class MessageCount:
    day: str | None = None  # UTC day, when grouped by date
    user_id: int | None = None  # when grouped by user
    username: str | None = None
    count: int


@dataclass(frozen=True, kw_only=True)
class SentimentStep:
    start: datetime  # start of the step (UTC)
    positive: int
    neutral: int
    negative: int
    mean: float  # mean label in [-1, 1]


@dataclass(frozen=True, kw_only=True)
class TopCount:
    key: str
    count: int


# The names the store back ends import until they move to the ones above; then these go.


def sentiment_row(start_ms: int, positive: int, neutral: int, negative: int) -> SentimentStep:
    total = positive + neutral + negative
    return SentimentStep(
        start=utc_datetime(start_ms),
        positive=positive,
        neutral=neutral,
        negative=negative,
        mean=round((positive - negative) / total, 6) if total else 0.0,
    )
