"""What the consumer loop does with what it could not handle: the retry, back-off and dead-letter policy.

Pure decisions; `chatcluster.consumer` carries them out on JetStream (hold, nak, ack, publish).

- A batch the store or the bus cannot take right now (`Unavailable`) is held, not failed: the loop
  keeps the messages in hand and tries the whole batch again after a back-off that doubles from
  0.2 s to 10 s, so an outage never pushes good messages to the dead-letter stream. Once the loop
  is stopping it stops holding, and the batch goes one by one like any other failure.
- Any other failure of a batch is isolated message by message. A message that fails on its own (a
  bug, a poison message) is redelivered a second later, until its `max_deliver`th delivery fails:
  then it is dead-lettered with the error. A message that meets an outage is only redelivered.
- A payload that does not decode is dead-lettered at once: no redelivery can fix it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chatcluster.errors import Unavailable
from chatcluster.models import DeadLetter

FIRST_BACKOFF_SECONDS = 0.2
MAX_BACKOFF_SECONDS = 10.0
REDELIVERY_DELAY_SECONDS = 1.0
MAX_ERROR_CHARS = 2000  # a dead letter quotes its error; some quote the whole payload again


class Action(StrEnum):
    ACK = "ack"
    REDELIVER = "redeliver"  # nak with a delay: JetStream delivers it again
    DEAD_LETTER = "dead_letter"  # write it to CHAT_DLQ with the error, then ack it


@dataclass(frozen=True)
class Verdict:
    action: Action
    delay: float = 0.0  # seconds before the redelivery
    error: str = ""  # what the dead letter says went wrong


ACK = Verdict(Action.ACK)
REDELIVER = Verdict(Action.REDELIVER, delay=REDELIVERY_DELAY_SECONDS)


def holds_batch(error: BaseException, *, stopping: bool) -> bool:
    """Whether a batch that failed with `error` is held and retried whole after a back-off."""
    return isinstance(error, Unavailable) and not stopping


def next_backoff(seconds: float) -> float:
    """The wait before the next retry of a held batch: twice the last, at most MAX_BACKOFF_SECONDS."""
    return min(seconds * 2, MAX_BACKOFF_SECONDS)


def verdict(error: BaseException | None, *, deliveries: int, max_deliver: int) -> Verdict:
    """What to do with one message handled alone: `error` is what its handler raised, if anything;
    `deliveries` counts this delivery."""
    if error is None:
        return ACK
    if isinstance(error, Unavailable) or deliveries < max_deliver:
        return REDELIVER
    return Verdict(Action.DEAD_LETTER, error=f"{type(error).__name__}: {error}")


def undecodable(error: Exception) -> Verdict:
    return Verdict(Action.DEAD_LETTER, error=f"undecodable payload: {error}")


def dead_letter_of(
    consumer: str,
    subject: str,
    stream_sequence: int,
    deliveries: int,
    error: str,
    payload: bytes,
    failed_at: datetime,
) -> DeadLetter:
    return DeadLetter(
        consumer=consumer,
        subject=subject,
        stream_sequence=stream_sequence,
        deliveries=deliveries,
        error=error[:MAX_ERROR_CHARS],
        payload=payload.decode("utf-8", errors="replace"),
        failed_at=failed_at,
    )


def dead_letter_msg_id(consumer: str, stream_sequence: int) -> str:
    """The Nats-Msg-Id of a dead letter: a message dead-lettered twice (a crash before its ack) is kept once."""
    return f"{consumer}:{stream_sequence}"
