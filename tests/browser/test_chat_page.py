"""The web client at `/`, driven in a real Chromium through Playwright against the real platform."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from playwright.async_api import (
    Browser,
    Locator,
    WebSocketRoute,
    expect,
)

from chatcluster.client import ChatClient
from chatcluster.supervisor import Supervisor
from tests.browser.conftest import PASSWORD, BrowserPerson
from tests.conftest import unique_name
from tests.helpers import all_messages, eventually

pytestmark = pytest.mark.browser

SCREENSHOT = Path("/tmp/chat-page.png")
NEGATIVE_BURST = [
    "This is terrible, I hate it",
    "Awful, horrible experience, worst ever",
    "I am so angry and disgusted",
    "What a disaster, this is pathetic",
    "Everything is broken and I hate this",
    "Worst, most useless thing ever, awful",
    "This is horrible and disgusting",
    "I am furious, this is a terrible mess",
]


class Person(BrowserPerson):
    """One browser context (its own localStorage and socket) and a page in it."""

    def room_item(self, name: str) -> Locator:
        return self.page.locator(f'[data-testid="room-item"][data-room-name="{name}"]')

    def messages(self) -> Locator:
        return self.page.get_by_test_id("message-list").get_by_test_id("message")

    def message(self, text: str) -> Locator:
        return self.messages().filter(has=self.page.get_by_test_id("message-text").get_by_text(text, exact=True))

    async def without_complaint(self, check: Awaitable[None]) -> None:
        """Awaits an expectation; if it fails, says what the page's error banner showed."""
        try:
            await check
        except AssertionError as exc:
            banner = self.page.get_by_test_id("error-banner")
            said = await banner.inner_text() if await banner.is_visible() else "no error shown"
            raise AssertionError(f"{self.name}'s page: {said}") from exc

    async def send_while_offline(self, text: str) -> None:
        await self.page.get_by_test_id("composer-input").fill(text)
        await self.page.get_by_test_id("send-button").click()
        pending = self.page.get_by_test_id("pending-message").filter(has_text=text)
        await expect(pending.get_by_test_id("message-status")).to_have_text("Sent")

    async def send(self, text: str) -> None:
        await self.page.get_by_test_id("composer-input").fill(text)
        await self.page.get_by_test_id("send-button").click()
        await expect(self.message(text)).to_have_count(1)


@pytest.fixture
async def people() -> AsyncIterator[list[Person]]:
    opened: list[Person] = []
    yield opened
    for person in opened:
        await person.context.close()
    for person in opened:
        assert person.js_errors == [], f"{person.name}'s page threw: {person.js_errors}"


async def open_page(browser: Browser, platform: Supervisor, people: list[Person], name: str) -> Person:
    context = await browser.new_context(base_url=platform.gateway_url, viewport={"width": 1280, "height": 800})
    person = Person(context, await context.new_page(), name)
    people.append(person)
    await person.page.goto("/")
    return person


async def fill_credentials(person: Person, password: str = PASSWORD) -> None:
    await person.page.get_by_test_id("username-input").fill(person.name)
    await person.page.get_by_test_id("password-input").fill(password)


async def signed_in(person: Person) -> Person:
    await expect(person.page.get_by_test_id("current-user")).to_have_text(person.name)
    await expect(person.page.get_by_test_id("connection-status")).to_have_attribute("data-state", "online")
    return person


async def sign_up(browser: Browser, platform: Supervisor, people: list[Person], name: str) -> Person:
    person = await open_page(browser, platform, people, name)
    await fill_credentials(person)
    await person.page.get_by_test_id("sign-up-button").click()
    return await signed_in(person)


async def sign_in(browser: Browser, platform: Supervisor, people: list[Person], name: str) -> Person:
    person = await open_page(browser, platform, people, name)
    await fill_credentials(person)
    await person.page.get_by_test_id("sign-in-button").click()
    return await signed_in(person)


async def test_two_people_chat_live_in_a_room_one_of_them_joined_from_the_directory(
    browser: Browser, shared_platform: Supervisor, people: list[Person]
) -> None:
    alice = await sign_up(browser, shared_platform, people, unique_name("alice"))
    room_name = unique_name("lounge")
    await alice.page.get_by_test_id("create-room-input").fill(room_name)
    await alice.page.get_by_test_id("create-room-button").click()
    await expect(alice.page.get_by_test_id("room-title")).to_have_text(f"# {room_name}")
    await expect(alice.room_item(room_name)).to_have_class(re.compile(r"\bactive\b"))

    bob = await sign_up(browser, shared_platform, people, unique_name("bob"))
    listed = bob.page.locator(f'[data-testid="directory-item"][data-room-name="{room_name}"]')
    await listed.get_by_test_id("join-button").click()
    await expect(bob.page.get_by_test_id("room-title")).to_have_text(f"# {room_name}")
    await expect(bob.room_item(room_name)).to_have_count(1)
    await expect(listed).to_have_count(0)

    await alice.send("Hi Bob, welcome to the lounge!")
    seen_by_bob = bob.message("Hi Bob, welcome to the lounge!")
    await expect(seen_by_bob).to_have_count(1)
    await expect(seen_by_bob.get_by_test_id("message-author")).to_have_text(alice.name)

    await bob.send("Thanks Alice, glad to be here.")
    await expect(alice.message("Thanks Alice, glad to be here.")).to_have_count(1)

    # Each message is rendered once, with a decimal-string id and an empty slot for a sentiment badge.
    for person in (alice, bob):
        await expect(person.messages()).to_have_count(2)
        ids = await person.messages().evaluate_all("els => els.map(e => e.dataset.messageId)")
        assert all(re.fullmatch(r"[0-9]{1,19}", i) for i in ids), ids
        await expect(person.messages().locator("span.sentiment")).to_have_count(2)
        assert await person.messages().locator("span.sentiment").all_inner_texts() == ["", ""]

    # Alice edits her message and deletes another; Bob sees both live.
    first = alice.message("Hi Bob, welcome to the lounge!")
    await first.hover()
    await first.get_by_test_id("edit-button").click()
    await alice.page.get_by_test_id("edit-input").fill("Hi Bob, welcome to the lounge! ☕")
    await alice.page.get_by_test_id("edit-input").press("Enter")
    await alice.without_complaint(expect(alice.page.get_by_test_id("edit-input")).to_have_count(0))
    edited = bob.message("Hi Bob, welcome to the lounge! ☕")
    await expect(edited).to_have_count(1)
    await expect(edited.get_by_test_id("message-edited")).to_be_visible()

    await alice.send("oops, wrong room")
    await expect(bob.message("oops, wrong room")).to_have_count(1)
    mistake = alice.message("oops, wrong room")
    mistake_id = await mistake.get_attribute("data-message-id")
    await mistake.hover()
    await mistake.get_by_test_id("delete-button").click()
    await mistake.get_by_test_id("delete-button").click()  # the second click confirms
    by_id = f'[data-testid="message"][data-message-id="{mistake_id}"]'
    await alice.without_complaint(expect(alice.page.locator(by_id)).to_have_class(re.compile(r"\bdeleted\b")))
    tombstone = bob.page.locator(by_id)
    await expect(tombstone).to_have_class(re.compile(r"\bdeleted\b"))
    await expect(tombstone.get_by_test_id("message-text")).to_have_text("This message was deleted.")
    await expect(bob.messages()).to_have_count(3)

    await bob.send("No worries, happens to everyone.")
    await expect(alice.message("No worries, happens to everyone.")).to_have_count(1)

    # The header's mood follows a clearly negative burst live (mood frames, at most every few seconds).
    mood = alice.page.get_by_test_id("room-mood")
    await expect(mood).to_be_visible()
    await expect(mood).not_to_have_attribute("data-tone", "negative")
    for text in NEGATIVE_BURST:
        await bob.send(text)
    await expect(mood).to_have_attribute("data-tone", "negative", timeout=30_000)
    await expect(alice.page.get_by_test_id("room-mood-text")).to_contain_text("Mood \u2212")
    await alice.page.mouse.move(0, 0)
    await alice.page.screenshot(path=str(SCREENSHOT))


async def test_a_direct_message_opened_by_username_reaches_the_other_person(
    browser: Browser, shared_platform: Supervisor, people: list[Person]
) -> None:
    alice = await sign_up(browser, shared_platform, people, unique_name("alice"))
    bob = await sign_up(browser, shared_platform, people, unique_name("bob"))

    await alice.page.get_by_test_id("dm-input").fill(bob.name)
    await alice.page.get_by_test_id("dm-button").click()
    await expect(alice.page.get_by_test_id("room-title")).to_have_text(f"@{bob.name}")
    # Bob's socket learns of the new room live; wait for that so the message reaches him live too.
    bobs_dm = bob.room_item(alice.name)
    await expect(bobs_dm).to_have_count(1)

    await alice.send("psst, just between us")
    await expect(bobs_dm.get_by_test_id("unread-badge")).to_have_text("1")
    await bobs_dm.click()
    await expect(bob.page.get_by_test_id("room-title")).to_have_text(f"@{alice.name}")
    await expect(bob.message("psst, just between us")).to_have_count(1)
    await expect(bobs_dm.get_by_test_id("unread-badge")).to_have_count(0)

    await bob.send("my lips are sealed")
    await expect(alice.message("my lips are sealed")).to_have_count(1)
    await expect(alice.messages()).to_have_count(2)


async def test_scrolling_back_loads_earlier_history_page_by_page(
    browser: Browser, shared_platform: Supervisor, people: list[Person]
) -> None:
    name = unique_name("historian")
    async with ChatClient(shared_platform.gateway_url) as api:
        await api.register(name, PASSWORD)
        room = await api.create_room("archive")
        texts = [f"history {n:03d}" for n in range(1, 121)]
        for text in texts:
            await api.send(room["room_id"], text)
        await eventually(lambda: _stored_count_is(api, room["room_id"], len(texts)))

    person = await sign_in(browser, shared_platform, people, name)
    await person.room_item("archive").click()
    page = person.page
    await expect(person.messages()).to_have_count(50)
    await expect(person.messages().first.get_by_test_id("message-text")).to_have_text("history 071")
    await expect(person.messages().last.get_by_test_id("message-text")).to_have_text("history 120")
    await expect(page.get_by_test_id("load-older-button")).to_be_visible()

    # Scrolling to the top fetches the page before, and keeps the reader's place.
    await page.locator("#message-scroller").evaluate("el => { el.scrollTop = 0; }")
    await expect(person.messages()).to_have_count(100)
    await expect(person.messages().first.get_by_test_id("message-text")).to_have_text("history 021")
    assert await page.locator("#message-scroller").evaluate("el => el.scrollTop") > 0

    # The button fetches the rest; then the start of the conversation shows. Clicked in place: a pointer click
    # would first scroll the button into view, i.e. to the top, where scrolling alone fetches the rest and the
    # button may be gone before the click lands.
    await page.get_by_test_id("load-older-button").evaluate("button => button.click()")
    await expect(person.messages()).to_have_count(120)
    await expect(page.get_by_test_id("history-start")).to_be_visible()
    await expect(page.get_by_test_id("load-older-button")).to_be_hidden()
    assert await person.messages().get_by_test_id("message-text").all_inner_texts() == texts


async def _stored_texts_if(api: ChatClient, room_id: str, ready: Callable[[list[str]], bool]) -> list[str]:
    texts = [m["text"] for m in await all_messages(api, room_id)]
    return texts if ready(texts) else []


async def _stored_count_is(api: ChatClient, room_id: str, count: int) -> bool:
    return len(await all_messages(api, room_id)) == count


class FlakyNetwork:
    """Routes the page's WebSockets through Playwright so a test can cut them and refuse new ones."""

    def __init__(self) -> None:
        self.online = True
        self.urls: list[str] = []
        self.live: list[tuple[WebSocketRoute, WebSocketRoute]] = []

    async def handle(self, route: WebSocketRoute) -> None:
        self.urls.append(route.url)
        if not self.online:
            await route.close(code=4000, reason="test: offline")
            return
        self.live.append((route, route.connect_to_server()))

    async def cut(self) -> None:
        self.online = False
        while self.live:
            page_side, server_side = self.live.pop()
            await server_side.close()
            await page_side.close(code=4000, reason="test: connection lost")


async def test_after_a_dropped_connection_the_page_reconnects_and_replays_what_it_missed_once(
    browser: Browser, shared_platform: Supervisor, people: list[Person]
) -> None:
    name = unique_name("alice")
    async with ChatClient(shared_platform.gateway_url) as alice_api, ChatClient(shared_platform.gateway_url) as bob:
        await alice_api.register(name, PASSWORD)
        await bob.register(unique_name("bob"), PASSWORD)
        room = await alice_api.create_room("flaky")
        await bob.join(room["room_id"])

        network = FlakyNetwork()
        context = await browser.new_context(
            base_url=shared_platform.gateway_url, viewport={"width": 1280, "height": 800}
        )
        alice = Person(context, await context.new_page(), name)
        people.append(alice)
        await alice.page.route_web_socket(re.compile(r"/v1/ws"), network.handle)
        await alice.page.goto("/")
        await fill_credentials(alice)
        await alice.page.get_by_test_id("sign-in-button").click()
        await signed_in(alice)
        await alice.room_item("flaky").click()
        first = await bob.send(room["room_id"], "before the drop")
        await expect(alice.message("before the drop")).to_have_count(1)

        await network.cut()
        status = alice.page.get_by_test_id("connection-status")
        await expect(status).to_have_attribute("data-state", "offline")
        await bob.send(room["room_id"], "while you were away")
        await bob.call(
            "PATCH",
            f"/v1/rooms/{room['room_id']}/messages/{first['message_id']}",
            json={"text": "before the drop (edited)"},
        )
        await alice.send_while_offline("sent over REST while the socket is down")
        network.online = True

        await expect(status).to_have_attribute("data-state", "online")
        assert "since=" in network.urls[-1], network.urls
        await expect(alice.message("while you were away")).to_have_count(1)
        await expect(alice.message("before the drop (edited)").get_by_test_id("message-edited")).to_be_visible()
        await expect(alice.message("sent over REST while the socket is down")).to_have_count(1)
        await expect(alice.page.get_by_test_id("pending-message")).to_have_count(0)
        await expect(alice.messages()).to_have_count(3)

        await bob.send(room["room_id"], "welcome back")
        await expect(alice.message("welcome back")).to_have_count(1)
        await expect(alice.messages()).to_have_count(4)
        stored = await eventually(lambda: _stored_texts_if(bob, room["room_id"], lambda t: "welcome back" in t))
        assert stored.count("sent over REST while the socket is down") == 1, stored


async def test_bad_input_shows_the_servers_reason_readably(
    browser: Browser, shared_platform: Supervisor, people: list[Person]
) -> None:
    name = unique_name("carol")
    async with ChatClient(shared_platform.gateway_url) as api:
        await api.register(name, PASSWORD)

    person = await open_page(browser, shared_platform, people, name)
    page = person.page
    error = page.get_by_test_id("auth-error")

    await fill_credentials(person, password="not the password")
    await page.get_by_test_id("sign-in-button").click()
    await expect(error).to_have_text("wrong username or password")
    await expect(page.get_by_test_id("current-user")).to_be_hidden()

    await fill_credentials(person, password="short")
    await page.get_by_test_id("sign-up-button").click()
    await expect(error).to_have_text(re.compile(r"^password: .*at least 8 characters"))

    await fill_credentials(person)
    await page.get_by_test_id("sign-up-button").click()
    await expect(error).to_have_text(f"the username '{name}' is taken")

    await page.get_by_test_id("sign-in-button").click()
    await signed_in(person)
    await expect(error).to_be_hidden()
    await page.get_by_test_id("dm-input").fill("nobody_by_this_name")
    await page.get_by_test_id("dm-button").click()
    await expect(page.get_by_test_id("error-banner")).to_contain_text("user 'nobody_by_this_name' does not exist")
