"""Request and answer bodies of the creator API: lists, broadcasts and tips."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chatcluster.creators.models import MAX_LIST_NAME_CHARS
from chatcluster.gateway.schemas import CLIENT_ID_PATTERN, VisibleText
from chatcluster.models import MAX_TEXT_CHARS, USERNAME_PATTERN, Snowflake
from chatcluster.store.base import CreatorList

MAX_MEMBERS_PER_CALL = 1000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListName(_Strict):
    name: VisibleText = Field(min_length=1, max_length=MAX_LIST_NAME_CHARS)


class ListMembersAdd(_Strict):
    usernames: list[str] = Field(
        min_length=1,
        max_length=MAX_MEMBERS_PER_CALL,
        description=f"Usernames to add (up to {MAX_MEMBERS_PER_CALL} per call)",
    )


class CreatorListOut(BaseModel):
    list_id: Snowflake
    name: str
    size: int

    @classmethod
    def of(cls, item: CreatorList, size: int) -> CreatorListOut:
        return cls(list_id=item.list_id, name=item.name, size=size)


class CreatorListsOut(BaseModel):
    lists: list[CreatorListOut] = Field(description="Oldest first")


class ListMemberOut(BaseModel):
    user_id: Snowflake
    username: str


class ListMembersOut(BaseModel):
    list_id: Snowflake
    members: list[ListMemberOut] = Field(description="By user id")


class BroadcastSend(_Strict):
    list_id: Snowflake
    text: VisibleText = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    client_id: str = Field(pattern=CLIENT_ID_PATTERN, description="Idempotency key: a retry is the same broadcast")


class BroadcastAccepted(BaseModel):
    broadcast_id: Snowflake
    list_id: Snowflake
    duplicate: bool = Field(description="True when client_id matched an earlier broadcast of this creator")


class CreatorOut(BaseModel):
    username: str = Field(pattern=USERNAME_PATTERN)
    creator: bool
