"""Exports the JSON Schemas of the bus events and the API bodies to `schemas/`."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from chatcluster.creators.models import BroadcastEvent, BroadcastProgress
from chatcluster.gateway.schemas import (
    BansOut,
    BlocksOut,
    ContactsOut,
    EditHistory,
    Failed,
    HistoryPage,
    MessageCounts,
    MessageOut,
    MessageSend,
    NotificationPage,
    NotificationsRead,
    PinsOut,
    Rate,
    ReactionResult,
    ReadMarkerOut,
    RoomOut,
    RoomSummary,
    RoomUpdate,
    SearchPage,
    SendAccepted,
    SentimentSeries,
    TopList,
    UsersOut,
)
from chatcluster.models import (
    DeadLetter,
    MembershipEvent,
    MessageEvent,
    NotificationFrame,
    PinEvent,
    ReactionEvent,
    ReadEvent,
    RoomEvent,
    RoomMoodEvent,
    ScoredEvent,
    UserSettings,
)
from chatcluster.quiz.models import BoardSnapshot, QuizAnswerEvent, QuizDraft, QuizJoinEvent

EXPORTED: dict[str, type[BaseModel]] = {
    "message-event.v1.json": MessageEvent,
    "scored-event.v1.json": ScoredEvent,
    "dead-letter.v1.json": DeadLetter,
    "membership-event.v1.json": MembershipEvent,
    "read-event.v1.json": ReadEvent,
    "room-event.v1.json": RoomEvent,
    "reaction-event.v1.json": ReactionEvent,
    "pin-event.v1.json": PinEvent,
    "room-mood-event.v1.json": RoomMoodEvent,
    "notification-frame.v1.json": NotificationFrame,
    "quiz-join-event.v1.json": QuizJoinEvent,
    "quiz-answer-event.v1.json": QuizAnswerEvent,
    "quiz-board.v1.json": BoardSnapshot,
    "broadcast-event.v1.json": BroadcastEvent,
    "broadcast-progress.v1.json": BroadcastProgress,
    "api/quiz-draft.json": QuizDraft,
    "api/message-send.json": MessageSend,
    "api/send-accepted.json": SendAccepted,
    "api/message.json": MessageOut,
    "api/history-page.json": HistoryPage,
    "api/reaction-result.json": ReactionResult,
    "api/edit-history.json": EditHistory,
    "api/room-summary.json": RoomSummary,
    "api/room.json": RoomOut,
    "api/room-update.json": RoomUpdate,
    "api/room-bans.json": BansOut,
    "api/room-pins.json": PinsOut,
    "api/read-marker.json": ReadMarkerOut,
    "api/notifications.json": NotificationPage,
    "api/notifications-read.json": NotificationsRead,
    "api/settings.json": UserSettings,
    "api/search.json": SearchPage,
    "api/users.json": UsersOut,
    "api/contacts.json": ContactsOut,
    "api/blocks.json": BlocksOut,
    "api/stats-messages.json": MessageCounts,
    "api/stats-sentiment.json": SentimentSeries,
    "api/stats-top.json": TopList,
    "api/stats-rate.json": Rate,
    "api/stats-failed.json": Failed,
}


def render(model: type[BaseModel]) -> str:
    return json.dumps(model.model_json_schema(mode="serialization"), indent=2, sort_keys=True) + "\n"


def export(target: Path) -> list[Path]:
    written = []
    for name, model in EXPORTED.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(model))
        written.append(path)
    return written
