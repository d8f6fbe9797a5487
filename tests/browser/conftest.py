"""One Chromium per browser-test module: Debian's, driven by Playwright (its own download cannot work here).

Every browser test fails on any console error or uncaught exception of any page it opened: a broken
module import, a Content-Security-Policy violation or a thrown handler shows there and nowhere else.
One kind of console error is not the page's: Chromium logs every API answer that is not ok, and a 4xx
from `/v1/...` is a refusal the page shows its user (the tests check that it does). A 5xx, or any
failure to load the page's own files, still fails the test.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, WebError, async_playwright, expect

from chatcluster.client import ChatClient
from chatcluster.supervisor import Supervisor
from tests.conftest import ClientFactory, require, unique_name

if TYPE_CHECKING:
    from tests.browser.test_chat_page import Person

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling out of this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct horse battery"
API_REFUSAL = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d\b")

expect.set_options(timeout=15_000)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    require(CHROMIUM.exists(), "Debian chromium is not installed: apt-get install chromium")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


class ConsoleErrors:
    """What the pages of every context a test opens write to the console as errors, and what they throw."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def watch(self, context: BrowserContext) -> None:
        context.on("console", self._console)
        context.on("weberror", self._thrown)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        where = message.location.get("url", "")
        if API_REFUSAL.match(message.text) and urlsplit(where).path.startswith("/v1/"):
            return
        self.seen.append(f"console error: {message.text} ({where})")

    def _thrown(self, error: WebError) -> None:
        self.seen.append(f"uncaught: {error.error}")


@pytest.fixture(autouse=True)
async def console_errors(browser: Browser, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[ConsoleErrors]:
    """Watches every context the test opens; the test fails at teardown if a page logged an error."""
    errors = ConsoleErrors()
    new_context: Callable[..., Awaitable[BrowserContext]] = browser.new_context

    async def watched_context(*args: Any, **kwargs: Any) -> BrowserContext:
        context = await new_context(*args, **kwargs)
        errors.watch(context)
        return context

    monkeypatch.setattr(browser, "new_context", watched_context)
    yield errors
    assert errors.seen == [], "the page logged errors:\n" + "\n".join(errors.seen)


class BrowserPerson:
    """One browser context (its own localStorage and socket) and a page in it; page errors are kept."""

    def __init__(self, context: BrowserContext, page: Page, name: str) -> None:
        self.context, self.page, self.name = context, page, name
        self.js_errors: list[str] = []
        page.on("pageerror", lambda exc: self.js_errors.append(str(exc)))


@pytest.fixture
async def windows() -> AsyncIterator[list[Person]]:
    """The browser windows (contexts) a test opened; closed at the end, none may have thrown."""
    opened: list[Person] = []
    yield opened
    for person in opened:
        await person.context.close()
    for person in opened:
        assert person.js_errors == [], f"{person.name}'s page threw: {person.js_errors}"


@dataclass(frozen=True)
class RoomOfTwo:
    """Two members of one group room: Alice created it, Bob joined; each signed in through the API and in a
    browser page of their own with the room open."""

    room: dict[str, Any]
    alice_api: ChatClient
    bob_api: ChatClient
    alice: Person
    bob: Person


async def two_members_in_two_pages(
    browser: Browser, platform: Supervisor, windows: list[Person], new_user: ClientFactory, room_prefix: str = "lounge"
) -> RoomOfTwo:
    """Signs up two users (the `new_user` fixture), puts them in a new room and opens it in a page for each
    (appended to `windows`, which the caller closes)."""
    from tests.browser.test_chat_page import sign_in  # that module imports this one

    alice_api, bob_api = await new_user(), await new_user()
    room = await alice_api.create_room(unique_name(room_prefix))
    await bob_api.join(room["room_id"])
    pages = []
    for api in (alice_api, bob_api):
        assert api.username is not None
        person = await sign_in(browser, platform, windows, api.username)
        await person.room_item(room["name"]).click()
        await expect(person.page.get_by_test_id("room-title")).to_have_text(f"# {room['name']}")
        pages.append(person)
    return RoomOfTwo(room, alice_api, bob_api, pages[0], pages[1])
