"""Sentiment badges in the chat page and the #stats view, in a real Chromium against the real platform."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Locator, WebSocketRoute, expect

from chatcluster.client import ChatClient
from chatcluster.counting import words_of
from chatcluster.ids import id_datetime
from chatcluster.models import DeadLetter
from chatcluster.supervisor import Supervisor
from tests.browser.conftest import PASSWORD, BrowserPerson
from tests.conftest import PlatformFactory, unique_name
from tests.helpers import eventually

pytestmark = pytest.mark.browser

BADGES_SCREENSHOT = Path("/tmp/chat-badges.png")
STATS_SCREENSHOT = Path("/tmp/stats-page.png")
SCORED_WITHIN_MS = 10_000  # the scorer batches, so "a few seconds" after the message shows


class Person(BrowserPerson):
    """One browser context and a page in it, signed in as `name`."""

    def message(self, text: str) -> Locator:
        return (
            self.page.get_by_test_id("message-list")
            .get_by_test_id("message")
            .filter(has=self.page.get_by_test_id("message-text").get_by_text(text, exact=True))
        )

    def badge(self, text: str) -> Locator:
        return self.message(text).get_by_test_id("sentiment-badge")

    async def send(self, text: str) -> None:
        await self.page.get_by_test_id("composer-input").fill(text)
        await self.page.get_by_test_id("send-button").click()
        await expect(self.message(text)).to_have_count(1)

    async def create_room(self, name: str) -> None:
        await self.page.get_by_test_id("create-room-input").fill(name)
        await self.page.get_by_test_id("create-room-button").click()
        await expect(self.page.get_by_test_id("room-title")).to_have_text(f"# {name}")


@pytest.fixture
async def people() -> AsyncIterator[list[Person]]:
    opened: list[Person] = []
    yield opened
    for person in opened:
        await person.context.close()
    for person in opened:
        assert person.js_errors == [], f"{person.name}'s page threw: {person.js_errors}"


async def new_person(
    browser: Browser, platform: Supervisor, people: list[Person], name: str, height: int = 800
) -> Person:
    context = await browser.new_context(base_url=platform.gateway_url, viewport={"width": 1280, "height": height})
    person = Person(context, await context.new_page(), name)
    people.append(person)
    return person


async def enter(person: Person, button: str) -> Person:
    """Signs in (or up) through the form of the already loaded page."""
    await person.page.get_by_test_id("username-input").fill(person.name)
    await person.page.get_by_test_id("password-input").fill(PASSWORD)
    await person.page.get_by_test_id(button).click()
    await expect(person.page.get_by_test_id("current-user")).to_have_text(person.name)
    await expect(person.page.get_by_test_id("connection-status")).to_have_attribute("data-state", "online")
    return person


# ---------------------------------------------------------------- sentiment badges


async def test_a_sent_message_gets_its_sentiment_badge_live(
    browser: Browser, shared_platform: Supervisor, people: list[Person]
) -> None:
    alice = await new_person(browser, shared_platform, people, unique_name("alice"))
    await alice.page.goto("/")
    await enter(alice, "sign-up-button")
    await alice.create_room(unique_name("moods"))

    await alice.send("I love this, wonderful!")
    await alice.send("this is awful, I hate it")

    happy, unhappy = alice.badge("I love this, wonderful!"), alice.badge("this is awful, I hate it")
    await expect(happy).to_have_attribute("data-label", "1", timeout=SCORED_WITHIN_MS)
    await expect(unhappy).to_have_attribute("data-label", "-1", timeout=SCORED_WITHIN_MS)
    await expect(happy).to_have_class(re.compile(r"\bsentiment-positive\b"))
    await expect(unhappy).to_have_class(re.compile(r"\bsentiment-negative\b"))
    # The tooltip names the confidence and the model that scored the message.
    await expect(happy).to_have_attribute("title", re.compile(r"^Positive · \d{1,3}% confidence · model \S+"))
    await expect(unhappy).to_have_attribute("title", re.compile(r"^Negative · \d{1,3}% confidence · model \S+"))
    assert await happy.is_visible() and await unhappy.is_visible()

    await alice.page.mouse.move(0, 0)
    await alice.page.screenshot(path=str(BADGES_SCREENSHOT))


class ScoreFirst:
    """Routes the page's socket so a chosen message's `scored` frame arrives before its `event` frame.

    The score is made up here (a model version no real model has), and real scores of that
    message are dropped, so the test depends on the page's ordering logic only.
    """

    MODEL = "test-reordered-1"

    def __init__(self, text: str) -> None:
        self.text = text
        self.delivered: list[str] = []

    async def handle(self, route: WebSocketRoute) -> None:
        server = route.connect_to_server()

        def from_server(raw: str | bytes) -> None:
            frame: dict[str, Any] = json.loads(raw)
            message = (frame.get("event") or {}).get("message") or {}
            if message.get("text") != self.text:
                route.send(raw)
                return
            if frame["type"] == "event" and frame["event"]["kind"] == "created":
                made_up = {
                    "schema_version": "chatcluster.scored.v1",
                    "kind": "created",
                    "event_id": frame["event"]["event_id"],
                    "message": message,
                    "sentiment": {"label": 1, "confidence": 0.42, "model_version": self.MODEL},
                    "scored_at": datetime.now(UTC).isoformat(),
                }
                route.send(json.dumps({"type": "scored", "event": made_up}))
                self.delivered.append("scored")
                route.send(raw)
                self.delivered.append("event")
            elif frame["type"] != "scored":
                route.send(raw)

        server.on_message(from_server)


async def test_a_score_that_arrives_before_its_message_is_applied_when_the_message_renders(
    browser: Browser, shared_platform: Supervisor, people: list[Person]
) -> None:
    text = f"the order of frames is {unique_name('not guaranteed')}"
    network = ScoreFirst(text)
    alice = await new_person(browser, shared_platform, people, unique_name("alice"))
    await alice.page.route_web_socket(re.compile(r"/v1/ws"), network.handle)
    await alice.page.goto("/")
    await enter(alice, "sign-up-button")
    await alice.create_room(unique_name("frames"))

    await alice.send(text)
    badge = alice.badge(text)
    await expect(badge).to_have_attribute("data-label", "1")
    await expect(badge).to_have_attribute("title", f"Positive · 42% confidence · model {ScoreFirst.MODEL}")
    assert network.delivered == ["scored", "event"], network.delivered
    # The badge is drawn by CSS: the span's own text stays empty, as the chat page's tests expect.
    assert await badge.inner_text() == ""


async def test_badges_come_back_with_the_history_after_a_reload(
    browser: Browser, shared_platform: Supervisor, people: list[Person]
) -> None:
    alice = await new_person(browser, shared_platform, people, unique_name("alice"))
    await alice.page.goto("/")
    await enter(alice, "sign-up-button")
    await alice.create_room(unique_name("memory"))
    await alice.send("I love this, wonderful!")
    await expect(alice.badge("I love this, wonderful!")).to_have_attribute("data-label", "1", timeout=SCORED_WITHIN_MS)

    await alice.page.reload()  # the page reopens the last room from its history
    await expect(alice.message("I love this, wonderful!")).to_have_count(1)
    await expect(alice.badge("I love this, wonderful!")).to_have_attribute("data-label", "1", timeout=5_000)


# ---------------------------------------------------------------- the stats view


def noon(day: date) -> str:
    return datetime.combine(day, time(12, 0), tzinfo=UTC).isoformat()


async def total_counted(api: ChatClient, expected: int) -> bool:
    rows: list[dict[str, Any]] = (await api.call("GET", "/v1/stats/messages", params={"group_by": "user"}))["rows"]
    return sum(int(r["count"]) for r in rows) == expected


async def names_and_counts(column: Locator, names: list[str], counts: list[str]) -> None:
    await expect(column.get_by_test_id("entry-name")).to_have_text(names)
    await expect(column.get_by_test_id("entry-count")).to_have_text(counts)


async def test_the_stats_view_shows_exact_figures_of_known_messages_and_keeps_them_fresh(
    browser: Browser, start_platform: PlatformFactory, people: list[Person]
) -> None:
    platform = await start_platform()
    url = platform.gateway_url
    async with ChatClient(url) as alice_api, ChatClient(url) as bob:
        await alice_api.register("alice", PASSWORD)
        await bob.register("bob", PASSWORD)
        orchard = (await alice_api.create_room("orchard"))["room_id"]
        await bob.join(orchard)
        garden = (await bob.create_room("garden"))["room_id"]  # alice knows it from the directory only

        # Two earlier days (outside the hour and day windows), pinned with the test clock...
        first = await alice_api.send(
            orchard, "mango papaya mango", sent_at=noon(datetime.now(UTC).date() - timedelta(days=3))
        )
        day1 = id_datetime(int(first["message_id"])).date()
        day2 = day1 + timedelta(days=1)
        await alice_api.send(orchard, "papaya smoothie", sent_at=noon(day1))
        await bob.send(orchard, "kiwi mango", sent_at=noon(day1))
        await alice_api.send(orchard, "mango", sent_at=noon(day2))
        await eventually(lambda: total_counted(alice_api, 4), timeout=60)
        # ...and now.
        latest = await alice_api.send(orchard, "kiwi kiwi")
        today = id_datetime(int(latest["message_id"])).date()
        await bob.send(garden, "mango kiwi")
        await bob.send(garden, "smoothie")
        await eventually(lambda: total_counted(alice_api, 7), timeout=30)
        for text in ("mango papaya mango", "papaya smoothie", "kiwi mango", "mango", "kiwi kiwi", "mango kiwi"):
            assert set(words_of(text)) <= {"mango", "papaya", "kiwi", "smoothie"}, text

        alice = await new_person(browser, platform, people, "alice", height=1700)
        await alice.page.goto("/")
        await enter(alice, "sign-in-button")
        page = alice.page
        await page.get_by_test_id("stats-tab").click()
        await expect(page).to_have_url(re.compile(r"#stats$"))
        await expect(page.get_by_test_id("stats-view")).to_be_visible()
        await expect(page.get_by_test_id("stats-tab")).to_have_class(re.compile(r"\bactive\b"))

        # Top 10, all time: every message counts, rooms show their names.
        top = page.get_by_test_id("panel-top")
        await top.get_by_test_id("top-window-all").click()
        await names_and_counts(
            top.get_by_test_id("top-words"), ["mango", "kiwi", "papaya", "smoothie"], ["5", "4", "2", "2"]
        )
        await names_and_counts(top.get_by_test_id("top-users"), ["alice", "bob"], ["4", "3"])
        await names_and_counts(top.get_by_test_id("top-rooms"), ["# orchard", "# garden"], ["5", "2"])
        rooms = top.get_by_test_id("top-rooms-entry")
        await expect(rooms).to_have_count(2)
        assert [await r.get_attribute("data-key") for r in await rooms.all()] == [orchard, garden]

        # The last hour: only today's three messages.
        await top.get_by_test_id("top-window-hour").click()
        await expect(top.get_by_test_id("top-window-hour")).to_have_attribute("aria-pressed", "true")
        await names_and_counts(top.get_by_test_id("top-words"), ["kiwi", "mango", "smoothie"], ["3", "1", "1"])
        await names_and_counts(top.get_by_test_id("top-users"), ["bob", "alice"], ["2", "1"])
        await names_and_counts(top.get_by_test_id("top-rooms"), ["# garden", "# orchard"], ["2", "1"])

        # Messages per day per user: the day totals on the bars, the legend and the table of numbers.
        per_day = page.get_by_test_id("panel-messages-per-day")
        for day, total in ((day1, "3"), (day2, "1"), (today, "3")):
            await expect(per_day.locator(f'[data-testid="per-day-total"][data-day="{day}"]')).to_have_text(total)
        bar = per_day.locator(f'[data-testid="per-day-bar"][data-day="{day1}"][data-user="alice"]')
        await expect(bar).to_have_attribute("data-count", "2")
        legend = per_day.get_by_test_id("per-day-legend-entry")
        await expect(legend.get_by_test_id("legend-name")).to_have_text(["alice", "bob"])
        await expect(legend.get_by_test_id("legend-count")).to_have_text(["4", "3"])
        await per_day.get_by_test_id("per-day-table-toggle").click()
        await expect(per_day.get_by_test_id("per-day-row")).to_have_text(
            [
                f"{today} bob 2",
                f"{today} alice 1",
                f"{day2} alice 1",
                f"{day1} alice 2",
                f"{day1} bob 1",
            ],
            use_inner_text=True,
        )

        # Sentiment: every scored message over 30 days, then one room.
        sentiment = page.get_by_test_id("panel-sentiment")
        await sentiment.get_by_test_id("sentiment-step-day").click()
        await expect(sentiment).to_contain_text("7 scored messages · last 30 days, per UTC day")
        await sentiment.get_by_test_id("sentiment-room-select").select_option(label="# orchard")
        await expect(sentiment).to_contain_text("5 scored messages")
        figures = [sentiment.get_by_test_id(f"sentiment-{kind}") for kind in ("positive", "neutral", "negative")]
        assert sum([int(await f.inner_text()) for f in figures]) == 5
        await expect(sentiment.get_by_test_id("sentiment-bar")).to_have_count(3)  # three days with messages

        # The rate counts today's messages (sent within the last minute); nothing failed.
        rate = page.get_by_test_id("panel-rate")
        await expect(rate.get_by_test_id("rate-total")).to_have_text("3")
        await expect(rate.get_by_test_id("rate-mean")).to_have_text("0.05")
        failed = page.get_by_test_id("panel-failed")
        await expect(failed.get_by_test_id("failed-total")).to_have_text("0")
        await expect(failed.get_by_test_id("failed-empty")).to_be_visible()
        await expect(page.get_by_test_id("panel-error")).to_have_count(5)
        for box in await page.get_by_test_id("panel-error").all():
            await expect(box).to_be_hidden()

        # The view refreshes itself: a new message shows up without a click.
        await bob.send(garden, "kiwi")
        await names_and_counts(top.get_by_test_id("top-users"), ["bob", "alice"], ["3", "1"])
        await names_and_counts(top.get_by_test_id("top-words"), ["kiwi", "mango", "smoothie"], ["4", "1", "1"])

    await page.mouse.move(0, 0)
    await page.screenshot(path=str(STATS_SCREENSHOT))

    # A room in the sidebar leads back to the chat.
    await page.locator('[data-testid="room-item"][data-room-name="orchard"]').click()
    await expect(page.get_by_test_id("room-title")).to_have_text("# orchard")
    await expect(page.get_by_test_id("stats-view")).to_be_hidden()
    await expect(page.get_by_test_id("chat-tab")).to_have_class(re.compile(r"\bactive\b"))


async def test_the_failed_panel_lists_dead_letters_per_consumer_and_the_latest_errors(
    browser: Browser, shared_platform: Supervisor, people: list[Person]
) -> None:
    """The panel's rendering, from a body of the API's shape (the real DLQ is covered by the integration tests)."""
    letters = [
        DeadLetter(
            consumer=consumer,
            subject="chat.msg.poison",
            stream_sequence=sequence,
            deliveries=5,
            error=error,
            payload="not json at all",
            failed_at=datetime.now(UTC) - timedelta(minutes=sequence),
        )
        for consumer, sequence, error in (
            ("scorer", 1, "undecodable payload: 1 validation error for MessageEvent"),
            ("persister", 2, "undecodable payload: 1 validation error for MessageEvent"),
            ("scorer", 3, "ValueError: <b>not markup</b>"),
        )
    ]
    body = {
        "total": 3,
        "by_consumer": {"persister": 1, "scorer": 2},
        "recent": [json.loads(letter.model_dump_json()) for letter in letters],
    }
    alice = await new_person(browser, shared_platform, people, unique_name("analyst"))
    await alice.page.route("**/v1/stats/failed*", lambda route: route.fulfill(json=body))
    await alice.page.goto("/#stats")
    await enter(alice, "sign-up-button")

    failed = alice.page.get_by_test_id("panel-failed")
    await expect(failed.get_by_test_id("failed-total")).to_have_text("3")
    consumers = failed.get_by_test_id("failed-consumer-entry")
    await expect(consumers).to_have_text(["scorer2", "persister1"])
    entries = failed.get_by_test_id("failed-entry")
    await expect(entries).to_have_count(3)
    await expect(entries.first).to_contain_text("scorer")
    await expect(entries.first).to_contain_text("chat.msg.poison")
    await expect(entries.first).to_contain_text("5 deliveries")
    await expect(entries.get_by_test_id("failed-error")).to_have_text(
        [letter.error for letter in letters]  # text, never markup
    )
    await expect(failed.get_by_test_id("failed-empty")).to_be_hidden()
    await expect(failed.get_by_test_id("panel-error")).to_be_hidden()
