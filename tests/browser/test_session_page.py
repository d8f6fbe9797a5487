"""Sessions in the web page: short-lived access tokens renewed before they expire and on a 401, one
session shared by the tabs of a browser, and Sign out ending it on the server."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, Route, WebSocketRoute, expect

from chatcluster.client import ChatClient
from chatcluster.supervisor import Supervisor
from tests.browser.conftest import PASSWORD
from tests.conftest import platform_settings, unique_name

pytestmark = pytest.mark.browser

TOKEN_LIFE_SECONDS = 4  # the page renews its token about every two seconds
SESSION_KEY = "chatcluster.session"


@pytest.fixture(scope="module")
async def platform(tmp_path_factory: pytest.TempPathFactory, model_home: Path) -> AsyncIterator[Supervisor]:  # noqa: ARG001
    settings = platform_settings(tmp_path_factory.mktemp("sessions"), access_token_ttl_seconds=TOKEN_LIFE_SECONDS)
    supervisor = Supervisor(settings)
    await supervisor.start()
    yield supervisor
    await supervisor.stop()


@pytest.fixture
async def context(browser: Browser, platform: Supervisor) -> AsyncIterator[BrowserContext]:
    opened = await browser.new_context(base_url=platform.gateway_url, viewport={"width": 1280, "height": 800})
    yield opened
    await opened.close()


async def stored_session(page: Page) -> dict[str, Any]:
    saved: dict[str, Any] = await page.evaluate(f"() => JSON.parse(localStorage.getItem('{SESSION_KEY}'))")
    return saved


async def until_renewed(page: Page, access_token: str) -> None:
    await page.wait_for_function(
        f"old => (JSON.parse(localStorage.getItem('{SESSION_KEY}')) || {{}}).access_token !== old",
        arg=access_token,
        timeout=TOKEN_LIFE_SECONDS * 3000,
    )


async def sign_up(page: Page, name: str) -> None:
    await page.goto("/")
    await page.get_by_test_id("username-input").fill(name)
    await page.get_by_test_id("password-input").fill(PASSWORD)
    await page.get_by_test_id("sign-up-button").click()
    await live(page, name)


async def live(page: Page, name: str) -> None:
    await expect(page.get_by_test_id("current-user")).to_have_text(name)
    await expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "online")


async def create_room(page: Page, name: str) -> None:
    await page.get_by_test_id("create-room-input").fill(name)
    await page.get_by_test_id("create-room-button").click()
    await expect(page.get_by_test_id("room-title")).to_have_text(f"# {name}")


async def send(page: Page, text: str) -> None:
    await page.get_by_test_id("composer-input").fill(text)
    await page.get_by_test_id("send-button").click()
    await expect(message(page, text)).to_have_count(1)


def message(page: Page, text: str) -> Any:
    return page.get_by_test_id("message-list").get_by_test_id("message").filter(has_text=text)


class Sockets:
    """Routes the page's sockets through Playwright to see their URLs and cut them."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.live: list[tuple[WebSocketRoute, WebSocketRoute]] = []

    async def handle(self, route: WebSocketRoute) -> None:
        self.urls.append(route.url)
        self.live.append((route, route.connect_to_server()))

    async def cut(self) -> None:
        while self.live:
            page_side, server_side = self.live.pop()
            await server_side.close()
            await page_side.close(code=4000, reason="test: connection lost")

    def token_of(self, index: int) -> str:
        return parse_qs(urlsplit(self.urls[index]).query)["token"][0]


async def test_the_page_renews_its_token_before_it_expires_and_reconnects_with_the_new_one(
    context: BrowserContext,
) -> None:
    page = await context.new_page()
    sockets = Sockets()
    await page.route_web_socket(re.compile(r"/v1/ws"), sockets.handle)
    name = unique_name("alice")
    await sign_up(page, name)
    first = await stored_session(page)
    await until_renewed(page, first["access_token"])
    second = await stored_session(page)
    await until_renewed(page, second["access_token"])
    renewed = await stored_session(page)
    assert renewed["refresh_token"] == first["refresh_token"]  # one session, never rotated
    assert sockets.token_of(0) == first["access_token"]

    # The first token is long dead: REST and the socket work with the renewed ones.
    await create_room(page, unique_name("fresh"))
    await send(page, "still here after two renewals")
    await sockets.cut()
    status = page.get_by_test_id("connection-status")
    await expect(status).to_have_attribute("data-state", "online")
    assert len(sockets.urls) == 2, sockets.urls
    assert sockets.token_of(1) != first["access_token"]
    await expect(page.get_by_test_id("current-user")).to_have_text(name)


async def test_a_request_refused_for_an_expired_token_is_renewed_once_and_goes_through(
    context: BrowserContext,
) -> None:
    page = await context.new_page()
    turned_away = asyncio.Event()
    blocked = True

    async def refresh(route: Route) -> None:
        if blocked:
            turned_away.set()  # the server is too busy to renew: the token runs out
            await route.fulfill(status=429, json={"detail": "test: try again later"}, headers={"Retry-After": "30"})
        else:
            await route.continue_()

    await page.route("**/v1/auth/refresh", refresh)
    refused: list[str] = []
    page.on("response", lambda r: refused.append(r.url) if r.status == 401 else None)
    name = unique_name("bob")
    await sign_up(page, name)
    await asyncio.wait_for(turned_away.wait(), TOKEN_LIFE_SECONDS)
    await asyncio.sleep(TOKEN_LIFE_SECONDS + 1)  # the access token has expired, unrenewed

    blocked = False
    room = unique_name("patient")
    await create_room(page, room)
    assert [urlsplit(u).path for u in refused] == ["/v1/rooms"], refused
    await expect(page.get_by_test_id("current-user")).to_have_text(name)
    await expect(page.get_by_test_id("auth-form")).to_be_hidden()


async def test_two_tabs_share_one_session_and_renewals_in_either_break_neither(
    context: BrowserContext, platform: Supervisor
) -> None:
    name = unique_name("carol")
    first, second = await context.new_page(), await context.new_page()
    await second.goto("/")
    await sign_up(first, name)
    await live(second, name)  # signed in by the first tab, through the shared storage
    room = unique_name("tabs")
    await create_room(first, room)
    await second.locator(f'[data-testid="room-item"][data-room-name="{room}"]').click()
    session = await stored_session(second)
    await until_renewed(first, session["access_token"])
    await until_renewed(second, (await stored_session(second))["access_token"])

    await send(second, "written in the second tab")
    await expect(message(first, "written in the second tab")).to_have_count(1)
    await send(first, "answered in the first")
    await expect(message(second, "answered in the first")).to_have_count(1)

    # Sign out in one tab ends the session on the server and signs the other tab out as well.
    await first.get_by_test_id("sign-out-button").click()
    await expect(first.get_by_test_id("auth-form")).to_be_visible()
    await expect(second.get_by_test_id("auth-form")).to_be_visible()
    async with httpx.AsyncClient(base_url=platform.gateway_url) as http:
        answer = await http.post("/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert answer.status_code == 401, answer.text


async def test_signing_out_everywhere_from_another_device_returns_the_page_to_the_sign_in_form(
    context: BrowserContext, platform: Supervisor
) -> None:
    page = await context.new_page()
    name = unique_name("dave")
    await sign_up(page, name)
    async with ChatClient(platform.gateway_url) as elsewhere:
        await elsewhere.login(name, PASSWORD)
        await elsewhere.logout(all=True)
    await expect(page.get_by_test_id("auth-error")).to_have_text("Your session has ended; please sign in again.")
    await expect(page.get_by_test_id("auth-form")).to_be_visible()
    assert await page.evaluate(f"() => localStorage.getItem('{SESSION_KEY}')") is None
