"""The broadcast event on the BROADCASTS stream and the progress a creator reads: versioned pydantic models.

One broadcast is one event, published by the gateway after the sender's rights were checked; the fan-out worker
turns it into one direct message per recipient."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chatcluster.models import MAX_TEXT_CHARS, Snowflake

BROADCAST_SUBJECT_PREFIX = "creator.broadcast."
MAX_LIST_NAME_CHARS = 100
MAX_LISTS = 100


def broadcast_subject(creator_id: int) -> str:
    return f"{BROADCAST_SUBJECT_PREFIX}{creator_id}"


def delivery_key(broadcast_id: int, recipient_id: int) -> str:
    """The Nats-Msg-Id of one recipient's copy: the same however often the worker delivers it."""
    return f"broadcast:{broadcast_id}:{recipient_id}"


class BroadcastEvent(BaseModel):
    """What the gateway publishes on `creator.broadcast.<creator>` once it checked that the creator owns the list."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="BroadcastEvent")

    schema_version: Literal["chatcluster.broadcast.v1"] = "chatcluster.broadcast.v1"
    broadcast_id: Snowflake
    creator_id: Snowflake
    creator: str = Field(description="The creator's username, the author of every copy")
    list_id: Snowflake
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    client_id: str

    @property
    def subject(self) -> str:
        return broadcast_subject(self.creator_id)

    @property
    def dedup_key(self) -> str:
        """A client_id is scoped to its creator: a retried send is the same broadcast."""
        return f"broadcast:{self.creator_id}:{self.client_id}"


class BroadcastProgress(BaseModel):
    """How far a broadcast went: `total` is null until the fan-out worker froze its recipients."""

    model_config = ConfigDict(frozen=True, title="BroadcastProgress")

    type: Literal["broadcast.progress"] = "broadcast.progress"
    broadcast_id: Snowflake
    list_id: Snowflake
    total: int | None
    delivered: int
    skipped: int
    done: bool = Field(description="Every recipient has an outcome")
