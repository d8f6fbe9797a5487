"""The notifier's digest throughput, digests per second, against raw SMTP sends of as many emails to the same
server, same run.

A real nats-server (with the PRESENCE bucket the gateways keep), a SQLite store and a real SMTP server
(Mailpit, built by chatcluster.dev.mailpit) run on this machine:
- project: --users users, each with an e-mail address and one unread mention old enough for a digest, all
  queued (written through the store, not timed); then `Notifier.scan_digests` runs until every digest is
  sent. Per user that is the whole production path: settings, account, feed, read markers and the last
  digest read from the store, the plan, a presence lookup (the notifier's mirror of the PRESENCE bucket), the
  claim (compare-and-set) BEFORE the send, the room names, the email composed and handed to the server
  over one SMTP connection per scan, and the user taken out of the queue;
- baseline: the same number of emails of the same size sent with smtplib over one connection to the same
  server, composed before the clock starts: the floor under any digest sender.
The two alternate (project, raw, raw, project) after a warm-up of both.

Usage: .venv/bin/python bench/digests.py [--users 500] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import smtplib
import tempfile
import time
from pathlib import Path

import nats
from nats.aio.client import Client as NATS

from chatcluster.bus import presence_bucket
from chatcluster.config import Settings
from chatcluster.dev.mailpit import LocalMailpit, ensure_mailpit
from chatcluster.digests import digest_text
from chatcluster.ids import SnowflakeGenerator
from chatcluster.mail import Mailer, SmtpServer, compose
from chatcluster.models import Notification, NotificationKind, Room, RoomKind, User, UserSettings
from chatcluster.notifier import Notifier, PresenceView, now_ms
from chatcluster.store.sqlite import SqliteStore
from chatcluster.supervisor import Supervisor, free_port
from chatcluster.times import utc_datetime

TEXT = "@{name} the release is blocked on your review, can you look at it before the standup tomorrow?"


async def seed(store: SqliteStore, ids: SnowflakeGenerator, users: int, round_no: int) -> list[tuple[str, str]]:
    """`users` users owed a digest: (username, address) of each."""
    room = Room(
        room_id=f"bench-{round_no}", kind=RoomKind.GROUP, name="release", created_by=1, created_at=utc_datetime(0)
    )
    await store.create_room(room)
    old = now_ms() - 10 * 60_000
    people: list[tuple[str, str]] = []
    items: list[Notification] = []
    for n in range(users):
        user_id = ids.next_id()
        name = f"r{round_no}u{n}"
        await store.create_user(User(user_id=user_id, username=name, password_hash="x", created_at=utc_datetime(old)))
        address = f"{name}@example.com"
        await store.put_settings(user_id, UserSettings(email=address, digest_after_minutes=5))
        message_id = ids.next_id(old)
        items.append(
            Notification(
                notification_id=message_id,
                user_id=user_id,
                kind=NotificationKind.MENTION,
                room_id=room.room_id,
                message_id=message_id,
                author_id=1,
                author="alice",
                preview=TEXT.format(name=name),
                created_at=utc_datetime(old),
                version=message_id,
            )
        )
        people.append((name, address))
    await store.add_notifications(items)
    await store.queue_digest([i.user_id for i in items], now_ms())
    return people


async def project(notifier: Notifier, store: SqliteStore, users: int) -> float:
    started = time.perf_counter()
    sent = 0
    while sent < users:
        sent += await notifier.scan_digests()
        if not await store.queued_digests(1) and sent < users:
            raise RuntimeError(f"the queue emptied after {sent} of {users} digests")
    return users / (time.perf_counter() - started)


def _rates(rates: list[float]) -> str:
    return ", ".join(f"{r:.1f}" for r in rates)


def raw(server: SmtpServer, people: list[tuple[str, str]]) -> float:
    messages = []
    for name, address in people:
        n = Notification(
            notification_id=1,
            user_id=1,
            kind=NotificationKind.MENTION,
            room_id="release",
            message_id=1,
            author_id=1,
            author="alice",
            preview=TEXT.format(name=name),
            created_at=utc_datetime(now_ms()),
        )
        text = digest_text(name, [n], {"release": "release"})
        messages.append(compose("ChatCluster <bench@localhost>", address, text.subject, text.body))
    started = time.perf_counter()
    with smtplib.SMTP(server.host, server.port, timeout=30) as smtp:
        for message in messages:
            smtp.send_message(message)
    return len(messages) / (time.perf_counter() - started)


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp, LocalMailpit(ensure_mailpit(), Path(tmp) / "mailpit") as mailpit:
        settings = Settings(
            data_dir=Path(tmp) / "platform", nats_url=f"nats://127.0.0.1:{free_port()}", smtp_url=mailpit.smtp_url
        )
        platform = Supervisor(settings, services=())
        await platform.start()
        nc: NATS = await nats.connect(settings.nats_url)
        store = SqliteStore(Path(tmp) / "chat.db")
        await store.open()
        try:
            js = nc.jetstream(timeout=10)
            await presence_bucket(js, settings)  # as a gateway makes it: the notifier looks users up in it
            server = SmtpServer.parse(mailpit.smtp_url)
            presence = PresenceView(js, settings.presence_ttl_seconds)
            watching = asyncio.create_task(presence.run())
            notifier = Notifier(store, nc, settings, Mailer(server, settings.smtp_from), presence)
            ids = SnowflakeGenerator(worker_id=5)
            rounds = iter(range(1_000_000))
            await project(notifier, store, len(await seed(store, ids, 20, next(rounds))))  # warm-up
            await asyncio.to_thread(raw, server, await seed(store, ids, 20, next(rounds)))
            ours: list[float] = []
            baseline: list[float] = []
            for _ in range(args.rounds):
                await asyncio.to_thread(mailpit.delete_all)
                ours.append(await project(notifier, store, len(await seed(store, ids, args.users, next(rounds)))))
                people = [(f"raw{n}", f"raw{n}@example.com") for n in range(args.users)]
                baseline.append(await asyncio.to_thread(raw, server, people))
                baseline.append(await asyncio.to_thread(raw, server, people))
                ours.append(await project(notifier, store, len(await seed(store, ids, args.users, next(rounds)))))
            mean_ours, mean_raw = sum(ours) / len(ours), sum(baseline) / len(baseline)
            print(f"digests, {args.users} users a round, {2 * args.rounds} rounds each way (SQLite, Mailpit, loopback)")
            print(f"  notifier (Notifier.scan_digests)  {mean_ours:8.1f} digests/s   rounds {_rates(ours)}")
            print(f"  raw smtplib, one connection       {mean_raw:8.1f} emails/s    rounds {_rates(baseline)}")
            print(f"  ratio notifier / raw              {mean_ours / mean_raw:8.2f}")
            watching.cancel()
        finally:
            await store.close()
            await nc.close()
            await platform.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=500, help="digests a round (one scan reads up to 500 users)")
    parser.add_argument("--rounds", type=int, default=2, help="pairs of rounds each way")
    asyncio.run(main(parser.parse_args()))
