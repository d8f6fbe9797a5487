"""A user's notification feed and notification settings: reading, marking read, saving.

The feed is written by the notifier from the bus (never by a request); the gateway reads it and moves
read flags. Settings are saved whole: the model checks every value (`models.UserSettings`) and a bad one
answers 422 with a sentence before anything is saved.
"""

from __future__ import annotations

from chatcluster.gateway.context import Gateway
from chatcluster.gateway.errors import ApiError
from chatcluster.gateway.schemas import NotificationOut, NotificationPage, NotificationsRead, UnreadOut
from chatcluster.gateway.security import Identity
from chatcluster.models import UserSettings


async def feed(gw: Gateway, user: Identity, before: int | None, limit: int) -> NotificationPage:
    items = await gw.store.notifications_of(user.user_id, before=before, limit=limit)
    return NotificationPage(
        notifications=[NotificationOut.of(n) for n in items],
        unread=await gw.store.unread_notification_count(user.user_id),
    )


async def mark_read(gw: Gateway, user: Identity, body: NotificationsRead) -> UnreadOut:
    if body.all == (body.ids is not None):
        raise ApiError(422, "give either 'ids' (the notifications to mark read) or 'all': true, not both or neither")
    await gw.store.mark_notifications_read(user.user_id, None if body.all else body.ids)
    return UnreadOut(unread=await gw.store.unread_notification_count(user.user_id))


async def settings_of(gw: Gateway, user: Identity) -> UserSettings:
    return await gw.store.get_settings(user.user_id)


async def save_settings(gw: Gateway, user: Identity, settings: UserSettings) -> UserSettings:
    await gw.store.put_settings(user.user_id, settings)
    return settings
