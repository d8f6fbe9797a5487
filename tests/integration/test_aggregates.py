"""The analytics pipeline end to end: scorer and aggregator against a real nats-server.

Messages from known users on known dates (through the test clock) must give
exactly the expected numbers on every stats endpoint, also after the scorer
and the aggregator are killed mid-stream, and `aggregates rebuild` must equal
the live figures.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx

from chatcluster.aggregator import rebuild
from chatcluster.client import ApiProblem, ChatClient
from chatcluster.supervisor import Supervisor
from tests.conftest import PlatformFactory, unique_name
from tests.helpers import eventually, until_at_least

POSITIVE = "I love this pizza, it is wonderful and amazing!"
NEGATIVE = "This pizza is awful, I hate it, terrible."
NEUTRAL = "The deploy starts at 5 in room 3."

# (author, room, UTC time, text): pizza 7 times, deploy 5 times, coffee 3 times, every other topic word at most twice.
SCRIPT: list[tuple[str, str, str, str]] = [
    ("alice", "general", "2026-03-01T09:00:05", POSITIVE),
    ("alice", "general", "2026-03-01T09:00:40", NEUTRAL),
    ("bob", "general", "2026-03-01T09:00:50", NEGATIVE),
    ("bob", "general", "2026-03-01T09:01:10", "Great pizza tonight, thanks so much!"),
    ("carol", "random", "2026-03-01T23:59:59", "Coffee at the deploy?"),
    ("alice", "random", "2026-03-02T00:00:00", "The deploy is on Tuesday."),
    ("carol", "general", "2026-03-02T10:30:00", "I hate this horrible pizza."),
    ("carol", "general", "2026-03-02T10:30:30", POSITIVE),
    ("bob", "random", "2026-03-02T12:00:00", "Coffee order for the deploy: two cups."),
    ("alice", "general", "2026-03-03T08:15:00", "Happy birthday, you are the best! pizza party"),
    ("bob", "general", "2026-03-03T08:15:20", "The deploy window is Friday."),
    ("alice", "random", "2026-03-03T18:00:00", "Coffee machine and pizza oven are on floor 2."),
]
# The lines written to be unmistakable: the model must label them as intended. The other lines' labels are the
# model's business (its accuracy is `chatcluster model eval`'s to measure), so the sentiment figures below are
# computed from the labels the scorer stored, which is what this test is about: every figure exact.
INTENDED = {POSITIVE: 1, NEGATIVE: -1, NEUTRAL: 0}


async def _wait_counted(client: ChatClient, total: int, timeout: float = 60) -> None:
    async def counted() -> bool:
        rows = (await client.call("GET", "/v1/stats/messages", params={"group_by": "user"}))["rows"]
        return sum(r["count"] for r in rows) >= total

    await eventually(counted, timeout=timeout, interval=0.25)


async def _people(platform: Supervisor) -> dict[str, ChatClient]:
    people = {}
    for name in ("alice", "bob", "carol"):
        client = ChatClient(platform.gateway_url)
        await client.register(f"{name}_{unique_name('')}", "correct horse battery")
        people[name] = client
    return people


async def _rooms(people: dict[str, ChatClient]) -> dict[str, str]:
    rooms = {name: (await people["alice"].create_room(name))["room_id"] for name in ("general", "random")}
    for person in ("bob", "carol"):
        for room_id in rooms.values():
            await people[person].join(room_id)
    return rooms


async def _stats(client: ChatClient, path: str, **params: Any) -> Any:
    return await client.call("GET", f"/v1/stats/{path}", params=params)


async def test_every_stats_endpoint_returns_the_exact_expected_numbers(start_platform: PlatformFactory) -> None:
    platform = await start_platform()
    people = await _people(platform)
    rooms = await _rooms(people)
    username = {name: client.username for name, client in people.items()}
    sent = []
    for author, room, at, text in SCRIPT:
        sent.append(await people[author].send(rooms[room], text, sent_at=at + "Z"))
    await _wait_counted(people["alice"], len(SCRIPT))
    alice = people["alice"]

    # Every message is scored and its label stored on it.
    async def all_scored() -> list[dict[str, Any]] | None:
        found = []
        for accepted in sent:
            path = f"/v1/rooms/{accepted['room_id']}/messages/{accepted['message_id']}"
            response = await alice.request("GET", path)
            if response.status_code == 404:  # counted already, not stored yet: the persister is its own consumer
                return None
            message = response.json()
            if message["sentiment"] is None:
                return None
            found.append(message)
        return found

    stored = await eventually(all_scored)
    labels = [m["sentiment"]["label"] for m in stored]
    for (_, _, _, text), label in zip(SCRIPT, labels, strict=True):
        if text in INTENDED:
            assert label == INTENDED[text], text

    def tally(indices: list[int]) -> tuple[int, int, int]:
        picked = Counter(labels[i] for i in indices)
        return picked[1], picked[0], picked[-1]

    by_user = await _stats(alice, "messages", group_by="user")
    assert {r["username"]: r["count"] for r in by_user["rows"]} == {
        username[name]: n for name, n in Counter(a for a, _, _, _ in SCRIPT).items()
    }
    by_date = await _stats(alice, "messages", group_by="date")
    assert [(r["day"], r["count"]) for r in by_date["rows"]] == [
        ("2026-03-01", 5),
        ("2026-03-02", 4),
        ("2026-03-03", 3),
    ]
    by_both = await _stats(alice, "messages", group_by="user,date", room=rooms["general"])
    expected = Counter((username[a], at[:10]) for a, room, at, _ in SCRIPT if room == "general")
    assert {(r["username"], r["day"]): r["count"] for r in by_both["rows"]} == dict(expected)
    window = await _stats(alice, "messages", group_by="date", **{"from": "2026-03-02", "to": "2026-03-02"})
    assert [(r["day"], r["count"]) for r in window["rows"]] == [("2026-03-02", 4)]

    per_minute = await _stats(
        alice,
        "sentiment",
        room=rooms["general"],
        step="minute",
        **{"from": "2026-03-01T09:00:00Z", "to": "2026-03-01T09:02:00Z"},
    )
    minutes = {"2026-03-01T09:00:00Z": [0, 1, 2], "2026-03-01T09:01:00Z": [3]}  # the general room's first four
    assert [(p["start"], p["positive"], p["neutral"], p["negative"], p["mean"]) for p in per_minute["points"]] == [
        (start, *tally(indices), sum(labels[i] for i in indices) / len(indices)) for start, indices in minutes.items()
    ]
    per_day = await _stats(
        alice, "sentiment", step="day", **{"from": "2026-03-01T00:00:00Z", "to": "2026-03-04T00:00:00Z"}
    )
    days = sorted({at[:10] for _, _, at, _ in SCRIPT})
    assert [(p["positive"], p["neutral"], p["negative"]) for p in per_day["points"]] == [
        tally([i for i, (_, _, at, _) in enumerate(SCRIPT) if at.startswith(day)]) for day in days
    ]

    words = await _stats(alice, "top/words", window="all", limit=3)
    assert [(e["key"], e["count"]) for e in words["entries"]] == [("pizza", 7), ("deploy", 5), ("coffee", 3)]
    users = await _stats(alice, "top/users", window="all")
    assert [(e["key"], e["count"]) for e in users["entries"]] == sorted(
        ((username[n], c) for n, c in Counter(a for a, _, _, _ in SCRIPT).items()), key=lambda kv: (-kv[1], kv[0])
    )
    top_rooms = await _stats(alice, "top/rooms", window="all")
    assert [(e["key"], e["count"]) for e in top_rooms["entries"]] == [(rooms["general"], 8), (rooms["random"], 4)]
    recent = await _stats(alice, "top/users", window="hour")
    assert recent["entries"] == [], "messages dated in March are not in the last hour"

    # Live traffic: the last hour and the per-second rate count messages sent now.
    for i in range(6):
        await people["bob"].send(rooms["random"], f"pizza now {i}")
    await _wait_counted(alice, len(SCRIPT) + 6)
    hour = await _stats(alice, "top/users", window="hour")
    assert [(e["key"], e["count"]) for e in hour["entries"]] == [(username["bob"], 6)]
    rate = await _stats(alice, "rate")
    assert sum(p["count"] for p in rate["points"]) == 6
    assert rate["per_second"] == 0.1

    for client in people.values():
        await client.aclose()


async def test_bad_stats_queries_get_a_readable_4xx(start_platform: PlatformFactory) -> None:
    platform = await start_platform()
    async with ChatClient(platform.gateway_url) as client:
        await client.register(unique_name(), "correct horse battery")
        cases = [
            ("/v1/stats/messages", {"group_by": "colour"}, 422, "group_by"),
            ("/v1/stats/messages", {"from": "2026-03-05", "to": "2026-03-01"}, 400, "'from' must not be after"),
            ("/v1/stats/messages", {"from": "yesterday"}, 422, "from"),
            ("/v1/stats/sentiment", {"step": "week"}, 422, "step"),
            ("/v1/stats/sentiment", {"from": "2020-01-01T00:00:00Z", "step": "minute"}, 400, "too many points"),
            ("/v1/stats/top/emoji", {}, 422, "kind"),
            ("/v1/stats/top/words", {"limit": 1000}, 422, "limit"),
            ("/v1/stats/messages", {"room": "nope-404"}, 404, "room 'nope-404'"),
        ]
        for path, params, status, words in cases:
            response = await client.request("GET", path, params=params)
            assert response.status_code == status, (path, params, response.text)
            assert words in response.json()["detail"], (path, params, response.json())
        async with httpx.AsyncClient(base_url=platform.gateway_url) as anonymous:
            assert (await anonymous.get("/v1/stats/rate")).status_code == 401


SNAPSHOT_QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("messages", {"group_by": "user,date"}),
    ("messages", {"group_by": "date"}),
    ("sentiment", {"step": "hour", "from": "2026-04-01T00:00:00Z", "to": "2026-04-04T00:00:00Z"}),
    ("top/words", {"window": "all", "limit": 20}),
    ("top/users", {"window": "all"}),
    ("top/rooms", {"window": "all"}),
]


async def _snapshot(client: ChatClient) -> list[Any]:
    return [await _stats(client, path, **params) for path, params in SNAPSHOT_QUERIES]


async def test_killing_scorer_and_aggregator_mid_stream_counts_every_message_once(
    start_platform: PlatformFactory,
) -> None:
    platform = await start_platform()
    people = await _people(platform)
    rooms = await _rooms(people)
    authors = list(people)
    total = 1500
    counter = iter(range(total))
    acked: list[tuple[str, str]] = []

    async def send_loop() -> None:
        for i in counter:
            author = authors[i % 3]
            day = f"2026-04-0{1 + i % 3}"
            body = {"sent_at": f"{day}T{i % 24:02d}:{i % 60:02d}:00Z", "client_id": f"m{i}"}
            while True:
                try:
                    await people[author].send(rooms["general"], f"pizza {i}", **body)
                    acked.append((people[author].username or "", day))
                    break
                except (ApiProblem, httpx.HTTPError):
                    await asyncio.sleep(0.2)

    sending = asyncio.gather(*(send_loop() for _ in range(8)))
    await until_at_least(acked, 301, timeout=60)
    await platform.kill("scorer")
    await until_at_least(acked, 701, timeout=60)
    await platform.kill("aggregator")
    await asyncio.sleep(0.5)
    await platform.restart("scorer")
    await platform.restart("aggregator")
    await sending
    alice = people["alice"]
    await _wait_counted(alice, total, timeout=120)
    await asyncio.sleep(1.0)  # a double count would land by now

    rows = (await _stats(alice, "messages", group_by="user,date"))["rows"]
    assert {(r["username"], r["day"]): r["count"] for r in rows} == dict(Counter(acked))
    words = await _stats(alice, "top/words", window="all", limit=1)
    assert words["entries"] == [{"key": "pizza", "count": total}]

    live = await _snapshot(alice)
    read, counted = await rebuild(platform.settings)
    assert counted == total
    assert read >= total
    assert await _snapshot(alice) == live
    for client in people.values():
        await client.aclose()
