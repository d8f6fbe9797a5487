"""Mentions, the notification feed, settings, presence, typing and joined notices in the web page, in a real
Chromium against the real platform."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Browser, expect

from chatcluster.client import ChatClient
from chatcluster.supervisor import Supervisor
from tests.browser.conftest import PASSWORD
from tests.browser.test_chat_page import Person, sign_in, sign_up, signed_in
from tests.browser.test_read_state_page import hide
from tests.conftest import unique_name
from tests.helpers import eventually

pytestmark = pytest.mark.browser


@pytest.fixture
async def windows() -> AsyncIterator[list[Person]]:
    """The browser windows (contexts) a test opened; closed at the end, none may have thrown."""
    opened: list[Person] = []
    yield opened
    for person in opened:
        await person.context.close()
    for person in opened:
        assert person.js_errors == [], f"{person.name}'s page threw: {person.js_errors}"


# Stands in for the browser's Notification (allowed), recording what the page shows.
RECORD_NOTIFICATIONS = """
window.shownNotifications = [];
window.Notification = class {
  static permission = 'granted';
  static requestPermission() { return Promise.resolve('granted'); }
  constructor(title, options) { window.shownNotifications.push({ title, body: options.body }); }
  addEventListener() {}
  close() {}
};
"""


async def status_of(api: ChatClient, user_id: str, wanted: str) -> bool:
    answer = await api.call("GET", "/v1/presence", params={"user": user_id})
    return bool(answer.get(str(user_id)) == wanted)


async def feed_of(api: ChatClient) -> dict[str, Any]:
    page: dict[str, Any] = await api.call("GET", "/v1/notifications")
    return page


async def test_a_mention_is_highlighted_and_lands_in_the_mentioned_persons_feed(
    browser: Browser, shared_platform: Supervisor, windows: list[Person]
) -> None:
    alice_name, bob_name = unique_name("alice"), unique_name("bob")
    async with ChatClient(shared_platform.gateway_url) as alice_api, ChatClient(shared_platform.gateway_url) as bob_api:
        await alice_api.register(alice_name, PASSWORD)
        await bob_api.register(bob_name, PASSWORD)
        lounge = await alice_api.create_room(unique_name("lounge"))
        elsewhere = await alice_api.create_room(unique_name("elsewhere"))
        await bob_api.join(lounge["room_id"])

        alice = await sign_in(browser, shared_platform, windows, alice_name)
        await alice.room_item(elsewhere["name"]).click()
        bob = await sign_in(browser, shared_platform, windows, bob_name)
        await bob.room_item(lounge["name"]).click()
        await expect(bob.page.get_by_test_id("room-title")).to_have_text(f"# {lounge['name']}")

        text = f"hey @{alice_name}, have a look (and @nobody_here too)"
        await bob.send(text)
        # In Bob's page the mention of a member is highlighted; a name that is no member stays text.
        said = bob.message(text)
        await expect(said.get_by_test_id("mention")).to_have_text(f"@{alice_name}")
        await expect(said.get_by_test_id("mention-me")).to_have_count(0)

        page = alice.page
        badge = alice.room_item(lounge["name"]).get_by_test_id("unread-badge")
        await expect(badge).to_have_text("1")
        await expect(badge).to_have_attribute("data-mentions", "1")
        count = page.get_by_test_id("notifications-count")
        await expect(count).to_have_text("1")

        await page.get_by_test_id("notifications-button").click()
        item = page.get_by_test_id("notification-item")
        await expect(item).to_have_count(1)
        await expect(item).to_contain_text(f"{bob_name} mentioned you in #{lounge['name']}")
        await expect(item).to_have_class(re.compile(r"\bunread\b"))
        await item.click()

        await expect(page.get_by_test_id("room-title")).to_have_text(f"# {lounge['name']}")
        mine = alice.message(text)
        await expect(mine.get_by_test_id("mention-me")).to_have_text(f"@{alice_name}")
        await expect(mine).to_have_class(re.compile(r"\bmentions-me\b"))
        await expect(count).to_be_hidden()
        await expect(badge).to_have_count(0)
        await eventually(lambda: _feed_read(alice_api))


async def _feed_read(api: ChatClient) -> dict[str, Any] | None:
    feed = await feed_of(api)
    return feed if feed["unread"] == 0 and feed["notifications"] else None


async def test_typing_presence_and_a_joined_notice_show_to_the_other_member(
    browser: Browser, shared_platform: Supervisor, windows: list[Person]
) -> None:
    alice_name = unique_name("alice")
    async with ChatClient(shared_platform.gateway_url) as alice_api:
        await alice_api.register(alice_name, PASSWORD)
        lounge = await alice_api.create_room(unique_name("lounge"))

        alice = await sign_in(browser, shared_platform, windows, alice_name)
        await alice.room_item(lounge["name"]).click()
        bob = await sign_up(browser, shared_platform, windows, unique_name("bob"))
        listed = bob.page.locator(f'[data-testid="directory-item"][data-room-name="{lounge["name"]}"]')
        await listed.get_by_test_id("join-button").click()
        await expect(bob.page.get_by_test_id("room-title")).to_have_text(f"# {lounge['name']}")

        await expect(alice.page.get_by_test_id("member-notice")).to_have_text(f"{bob.name} joined the room")

        await alice.page.get_by_test_id("members-button").click()
        bobs_entry = alice.page.locator(f'[data-testid="member-item"][data-username="{bob.name}"]')
        await expect(bobs_entry.get_by_test_id("presence-dot")).to_have_attribute("data-status", "online")

        composer = bob.page.get_by_test_id("composer-input")
        await composer.press_sequentially("hello th", delay=30)
        indicator = alice.page.get_by_test_id("typing-indicator")
        await expect(indicator).to_have_text(f"{bob.name} is typing…")
        await composer.press_sequentially("ere", delay=30)
        await bob.page.get_by_test_id("send-button").click()
        await expect(alice.message("hello there")).to_have_count(1)
        await expect(indicator).to_have_text("")

        # Bob's tab goes to the background: he is away, and online again when he comes back.
        bob_id = await bob.page.evaluate("JSON.parse(localStorage.getItem('chatcluster.session')).user_id")
        await hide(bob.page, True)
        await eventually(lambda: status_of(alice_api, bob_id, "away"))
        await hide(bob.page, False)
        await eventually(lambda: status_of(alice_api, bob_id, "online"))

        # The direct-message list shows the other person's presence too.
        await alice.page.get_by_test_id("dm-input").fill(bob.name)
        await alice.page.get_by_test_id("dm-button").click()
        dm_dot = alice.room_item(bob.name).get_by_test_id("presence-dot")
        await expect(dm_dot).to_have_attribute("data-status", "online")


async def test_settings_are_saved_and_a_muted_room_neither_notifies_nor_counts_in_the_title(
    browser: Browser, shared_platform: Supervisor, windows: list[Person]
) -> None:
    alice_name, bob_name = unique_name("alice"), unique_name("bob")
    async with ChatClient(shared_platform.gateway_url) as alice_api, ChatClient(shared_platform.gateway_url) as bob:
        await alice_api.register(alice_name, PASSWORD)
        await bob.register(bob_name, PASSWORD)
        quiet = await alice_api.create_room(unique_name("quiet"))
        loud = await alice_api.create_room(unique_name("loud"))
        elsewhere = await alice_api.create_room(unique_name("elsewhere"))
        for room in (quiet, loud):
            await bob.join(room["room_id"])

        alice = await sign_in(browser, shared_platform, windows, alice_name)
        page = alice.page
        await page.get_by_test_id("settings-button").click()
        interval = page.get_by_test_id("settings-digest-interval")
        await expect(interval).to_have_value("15")
        await interval.fill("2")
        await page.get_by_test_id("settings-save").click()
        await expect(page.get_by_test_id("settings-error")).to_contain_text("digest_after_minutes")
        await interval.fill("30")
        await page.get_by_test_id("settings-email-address").fill(f"{alice_name}@example.org")
        await page.get_by_test_id("settings-email-digest").uncheck()
        await page.get_by_test_id("settings-save").click()
        await expect(page.get_by_test_id("settings-saved")).to_be_visible()
        await expect(page.get_by_test_id("settings-error")).to_be_hidden()
        saved = await alice_api.call("GET", "/v1/settings")
        assert (saved["digest_after_minutes"], saved["email_digest"]) == (30, False), saved
        assert saved["email"] == f"{alice_name}@example.org"

        await alice.room_item(quiet["name"]).click()
        mute = page.get_by_test_id("mute-button")
        await mute.click()
        await expect(mute).to_have_text("Unmute")
        await expect(mute).to_have_attribute("aria-pressed", "true")
        await alice.room_item(elsewhere["name"]).click()

        # The browser's notifications, allowed and recorded; then the tab goes to the background.
        await alice.context.add_init_script(RECORD_NOTIFICATIONS)
        await page.reload()
        await signed_in(alice)
        await expect(page.get_by_test_id("room-title")).to_have_text(f"# {elsewhere['name']}")
        await hide(page, True)

        await bob.send(quiet["room_id"], f"@{alice_name} psst, in the quiet room")
        quiet_badge = alice.room_item(quiet["name"]).get_by_test_id("unread-badge")
        await expect(quiet_badge).to_have_text("1")
        await expect(alice.room_item(quiet["name"])).to_have_attribute("data-muted", "true")
        await expect(page).to_have_title("ChatCluster")

        await bob.send(loud["room_id"], f"@{alice_name} and in the loud one")
        await expect(alice.room_item(loud["name"]).get_by_test_id("unread-badge")).to_have_text("1")
        await expect(page).to_have_title("(1) ChatCluster")
        await expect(page.get_by_test_id("notifications-count")).to_have_text("1")
        feed = await feed_of(alice_api)
        assert [n["room_id"] for n in feed["notifications"]] == [loud["room_id"]], feed
        shown = await page.evaluate("window.shownNotifications")
        assert shown == [
            {"title": f"{bob_name} mentioned you in #{loud['name']}", "body": f"@{alice_name} and in the loud one"}
        ]
