"""The notifier: a durable consumer of `chat.msg.>` that fills notification feeds, and the digest emails.

Feeds. For each message event it writes the entries `chatcluster.recipients` decides (mentions, direct
messages, replies; never the author, never a muted room) before the batch is acked, so a crash only
writes the same entries again (they are keyed by user and message). A new message's entries also go
live, as `notification` frames on `chat.user.<user>` (core NATS: nothing is kept for a user with no
socket open, and a frame repeated after a redelivery names the same entry).

Digests. Every `CHATCLUSTER_DIGEST_SCAN_SECONDS` it looks at the users queued since their last digest
and emails one when `chatcluster.digests` says one is due and the user is not online (no `online` key
in the PRESENCE bucket). The claim in the store comes BEFORE the email: a notifier killed between the
two loses that digest, and none is ever sent twice within the user's interval. Without
`CHATCLUSTER_SMTP_URL` no digest is sent (said once in the log); the feeds work the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from nats.aio.client import Client as NATS
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from chatcluster.bus import CHAT_STREAM, PRESENCE_BUCKET, connect, publish_user_frame, watch_presence
from chatcluster.config import Settings
from chatcluster.consumer import ConsumerLoop, ConsumerSpec, Delivery
from chatcluster.digests import DIGESTED_KINDS, DigestPlan, digest_plan, digest_text, interval_ms, wants_digests
from chatcluster.ids import id_timestamp_ms
from chatcluster.mail import Mailbox, Mailer, MailUnavailable, SmtpServer
from chatcluster.models import (
    MESSAGE_SUBJECT_PREFIX,
    EventKind,
    Message,
    MessageEvent,
    Notification,
    NotificationFrame,
    User,
    UserSettings,
    event_id_of,
)
from chatcluster.presence import PresenceBoard, Status
from chatcluster.recipients import notifications_for, recipients
from chatcluster.store import (
    Accounts,
    Blocks,
    Digests,
    Lifecycle,
    Messages,
    Notifications,
    ReadMarkers,
    Rooms,
    UserSettingsStore,
    open_store,
)
from chatcluster.telemetry.instruments import instruments

log = logging.getLogger(__name__)

DURABLE = "notifier"
PARENT_WAIT_SECONDS = 3.0  # a reply sent the moment its parent was: the persister may still be writing it
FRESH_MS = 30_000
DIGEST_QUEUE_PAGE = 500  # queued users read at once; a scan reads page after page to the end of the queue
DIGEST_FEED = 200  # newest entries read for one user's digest
DIGEST_READERS = 32  # users whose digest is being read at once


class NotifierStore(
    Lifecycle, Accounts, Rooms, Messages, ReadMarkers, Notifications, UserSettingsStore, Digests, Blocks, Protocol
):
    """The roles the notifier uses: it reads messages, accounts, rooms, read markers and blocks, writes feeds and
    digests."""


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class Due:
    """A digest to send now."""

    user: User
    email: str
    interval_ms: int
    plan: DigestPlan
    scanned_ms: int


class Presence(Protocol):
    async def is_online(self, user_id: int) -> bool: ...


class PresenceView:
    """Who is online, mirrored from the PRESENCE bucket the gateways keep (one watch, as each gateway has);
    while no gateway has made the bucket yet, nobody is."""

    RETRY_SECONDS = 2.0

    def __init__(self, js: JetStreamContext, ttl_seconds: float) -> None:
        self._js = js
        self._ttl_seconds = ttl_seconds
        self.board = PresenceBoard(int(ttl_seconds * 1000))
        self.caught_up = asyncio.Event()

    async def run(self) -> None:
        """Watch the bucket until cancelled."""
        while True:
            try:
                kv = await self._js.key_value(PRESENCE_BUCKET)
            except NotFoundError:
                self.caught_up.set()  # no gateway yet, so no socket anywhere
                await asyncio.sleep(self.RETRY_SECONDS)
                continue
            except (NatsError, TimeoutError) as exc:
                log.warning("cannot read the presence bucket (%s); retrying", exc)
                await asyncio.sleep(self.RETRY_SECONDS)
                continue
            await watch_presence(kv, self.board, self._ttl_seconds, self.caught_up)

    async def is_online(self, user_id: int) -> bool:
        with contextlib.suppress(TimeoutError):  # a bucket slow to replay: answer from what is known
            await asyncio.wait_for(self.caught_up.wait(), self._ttl_seconds)
        return self.board.status(user_id, now_ms()) is Status.ONLINE


class Notifier:
    def __init__(
        self,
        store: NotifierStore,
        nc: NATS,
        settings: Settings,
        mailer: Mailer | None = None,
        presence: Presence | None = None,
    ) -> None:
        self.store = store
        self.nc = nc
        self.settings = settings
        self.mailer = mailer
        self.presence = presence
        self.minute_ms = int(settings.digest_minute_seconds * 1000)

    # -- feeds ---------------------------------------------------------------------------------

    async def handle(self, batch: Sequence[Delivery[MessageEvent]]) -> None:
        items: list[Notification] = []
        queued: list[int] = []
        fresh: list[Notification] = []
        cached: dict[int, UserSettings] = {}
        blocks: dict[int, set[int]] = {}  # whom each recipient blocked: their messages never notify them
        for event in (d.value for d in batch):
            parent_author = await self._parent_author(event.message)
            unknown = [r.user_id for r in recipients(event.message, parent_author) if r.user_id not in cached]
            found_settings, found_blocks = await asyncio.gather(
                asyncio.gather(*map(self.store.get_settings, unknown)),
                asyncio.gather(*map(self.store.blocks_of, unknown)),
            )
            for user_id, settings, blocked in zip(unknown, found_settings, found_blocks, strict=True):
                cached[user_id] = settings
                blocks[user_id] = {b.user_id for b in blocked}
            made = notifications_for(event, parent_author, cached, blocks)
            items += made
            if event.kind is EventKind.CREATED:
                fresh += made
            queued += [n.user_id for n in made if n.kind in DIGESTED_KINDS and wants_digests(cached[n.user_id])]
        if not items:
            return
        await self.store.add_notifications(items)
        if queued and self.mailer is not None:
            await self.store.queue_digest(queued, now_ms())
        instruments().notified.add(len(fresh))
        for item in fresh:
            with contextlib.suppress(NatsError):  # live frames are a courtesy: the feed has the entry
                await publish_user_frame(
                    self.nc, item.user_id, NotificationFrame(notification=item).model_dump(mode="json")
                )

    async def _parent_author(self, message: Message) -> int | None:
        if message.reply_to is None:
            return None
        parent = await self.store.get_message(message.reply_to)
        deadline = time.monotonic() + PARENT_WAIT_SECONDS
        fresh = now_ms() - id_timestamp_ms(message.message_id) < FRESH_MS
        while parent is None and fresh and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            parent = await self.store.get_message(message.reply_to)
        return None if parent is None or parent.room_id != message.room_id else parent.author_id

    # -- digests -------------------------------------------------------------------------------

    async def scan_digests(self) -> int:
        """Look at every queued user once; the digests sent.

        A page of users is read at once (the store calls overlap, at most DIGEST_READERS users at a time),
        then the digests due go out one after another over one SMTP connection."""
        sent = 0
        mailbox: Mailbox | None = None
        after: int | None = None
        readers = asyncio.Semaphore(DIGEST_READERS)
        try:
            while page := await self.store.queued_digests(DIGEST_QUEUE_PAGE, after):
                for due in await asyncio.gather(*(self._due(user_id, readers) for user_id in page)):
                    if due is not None:
                        mailbox, done = await self._send(due, mailbox)
                        sent += done
                if len(page) < DIGEST_QUEUE_PAGE:
                    break
                after = page[-1]
        finally:
            if mailbox is not None:
                await mailbox.close()
        return sent

    async def _due(self, user_id: int, readers: asyncio.Semaphore) -> Due | None:
        """The user's digest if one is due now; a user with nothing left to send leaves the queue."""
        async with readers:
            scanned_ms = now_ms()
            settings, user, feed, markers, up_to = await asyncio.gather(
                self.store.get_settings(user_id),
                self.store.get_user(user_id),
                self.store.notifications_of(user_id, limit=DIGEST_FEED),
                self.store.read_markers_of(user_id),
                self.store.digested_up_to(user_id),
            )
            plan = digest_plan(feed, settings, markers, up_to, scanned_ms, self.minute_ms)
            if plan is None or user is None or user.deleted or settings.email is None:
                await self.store.unqueue_digest(user_id, scanned_ms)  # nothing to send for what is queued so far
                return None
            if not plan.due or (self.presence is not None and await self.presence.is_online(user_id)):
                return None  # stays queued: looked at again next scan
            return Due(user, settings.email, interval_ms(settings, self.minute_ms), plan, scanned_ms)

    async def _send(self, due: Due, mailbox: Mailbox | None) -> tuple[Mailbox | None, int]:
        """Claim, then send; the connection (opened before the first claim) and 1 if sent."""
        if self.mailer is None:
            return mailbox, 0
        if mailbox is None:
            mailbox = await self.mailer.open()  # before the claim: a server that does not answer costs nothing
        user_id = due.user.user_id
        if not await self.store.claim_digest(user_id, due.scanned_ms, due.interval_ms, up_to=due.plan.up_to):
            return mailbox, 0  # one went out less than an interval ago; this one waits its turn
        if self.settings.digest_claim_pause_seconds:
            await asyncio.sleep(self.settings.digest_claim_pause_seconds)
        rooms = {n.room_id for n in due.plan.items}
        names = {r: room.name for r in rooms if (room := await self.store.get_room(r)) is not None}
        text = digest_text(due.user.username, due.plan.items, names)
        try:
            await mailbox.send(self.mailer.compose(due.email, text.subject, text.body))
        except MailUnavailable as exc:
            # Claimed and maybe half sent: lost rather than risk a second copy (the README's guarantee).
            instruments().digests.add(1, {"outcome": "error"})
            log.warning("digest for user %s lost: %s", user_id, exc)
            await mailbox.close()
            return None, 0
        instruments().digests.add(1, {"outcome": "sent"})
        await self.store.unqueue_digest(user_id, due.scanned_ms)
        return mailbox, 1

    async def run_digests(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.scan_digests()
            except Exception as exc:  # the store, the bus or the mail server is away: try again next scan
                log.warning("digest scan failed (%r); next in %.0fs", exc, self.settings.digest_scan_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.digest_scan_seconds)


def mailer_of(settings: Settings) -> Mailer | None:
    if not settings.smtp_url:
        log.info("no CHATCLUSTER_SMTP_URL: digest emails are off; notification feeds work as ever")
        return None
    server = SmtpServer.parse(settings.smtp_url)
    log.info("digest emails go through %s, from %s", server.describe(), settings.smtp_from)
    return Mailer(server, settings.smtp_from)


async def run_notifier(settings: Settings, stop: asyncio.Event) -> None:
    store: NotifierStore = await open_store(settings)
    nc = await connect(settings, name="notifier-publisher")
    mailer = mailer_of(settings)
    presence = PresenceView(nc.jetstream(timeout=5), settings.presence_ttl_seconds)
    notifier = Notifier(store, nc, settings, mailer, presence)
    spec = ConsumerSpec(
        durable=DURABLE,
        stream=CHAT_STREAM,
        filter_subject=f"{MESSAGE_SUBJECT_PREFIX}>",
        decode=MessageEvent.model_validate_json,
        handle=notifier.handle,
        message_id=event_id_of,
    )
    tasks = [asyncio.create_task(presence.run()), asyncio.create_task(notifier.run_digests(stop))] if mailer else []
    try:
        await ConsumerLoop(settings, spec).run(stop)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await nc.close()
        await store.close()
