"""Replies, threads, reactions and search in the web page, in a real Chromium against the real platform: a reply
from one browser shows its quote and the thread count live in the other, a quote jumps to a far-back original,
reactions from two users live and after a reload, and a search result opens its room at the message."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Request, expect

from chatcluster.client import ChatClient
from chatcluster.supervisor import Supervisor
from tests.browser.conftest import two_members_in_two_pages
from tests.browser.test_chat_page import Person, sign_in, signed_in
from tests.conftest import ClientFactory, unique_name
from tests.helpers import all_messages, eventually

pytestmark = pytest.mark.browser

HIGHLIGHTED = re.compile(r"\bhighlighted\b")
SCREENSHOT = Path("/tmp/threads-page.png")


def chip(message: Locator, emoji: str) -> Locator:
    return message.locator(f'[data-testid="reaction-chip"][data-emoji="{emoji}"]')


async def stored(api: ChatClient, room_id: str, count: int) -> bool:
    return len(await all_messages(api, room_id)) >= count


async def test_a_reply_shows_its_quote_and_the_thread_count_live_and_the_thread_updates_live(
    browser: Browser, shared_platform: Supervisor, windows: list[Person], new_user: ClientFactory
) -> None:
    two = await two_members_in_two_pages(browser, shared_platform, windows, new_user)
    alice, bob = two.alice, two.bob
    await alice.send("Who is bringing the cake?")
    original = bob.message("Who is bringing the cake?")
    await expect(original).to_have_count(1)

    # Bob replies: the composer quotes the original until he sends (or cancels).
    await original.hover()
    await original.get_by_test_id("reply-button").click()
    await expect(bob.page.get_by_test_id("reply-bar")).to_be_visible()
    await expect(bob.page.get_by_test_id("reply-bar-author")).to_have_text(alice.name)
    await expect(bob.page.get_by_test_id("reply-bar-text")).to_have_text("Who is bringing the cake?")
    await bob.send("I will bring it")
    await expect(bob.page.get_by_test_id("reply-bar")).to_be_hidden()

    # Both see the reply with its quote, and the count under the original, live.
    for person in (alice, bob):
        reply = person.message("I will bring it")
        await expect(reply.get_by_test_id("reply-quote-author")).to_have_text(alice.name)
        await expect(reply.get_by_test_id("reply-quote-text")).to_have_text("Who is bringing the cake?")
        await expect(person.message("Who is bringing the cake?").get_by_test_id("reply-count")).to_have_text("1 reply")

    # A cancelled reply sends a plain message.
    mine = alice.message("Who is bringing the cake?")
    await mine.hover()
    await mine.get_by_test_id("reply-button").click()
    await alice.page.get_by_test_id("reply-cancel").click()
    await expect(alice.page.get_by_test_id("reply-bar")).to_be_hidden()
    await alice.send("Unrelated: the room is booked")
    await expect(alice.message("Unrelated: the room is booked").get_by_test_id("reply-quote")).to_be_hidden()

    # The thread: the original and its replies, in both pages, updated live as Alice replies in it.
    for person in (alice, bob):
        await person.message("Who is bringing the cake?").get_by_test_id("reply-count").click()
        panel = person.page.get_by_test_id("thread-panel")
        await expect(panel.get_by_test_id("thread-parent").get_by_test_id("thread-text")).to_have_text(
            "Who is bringing the cake?"
        )
        await expect(panel.get_by_test_id("thread-reply").get_by_test_id("thread-text")).to_have_text(
            ["I will bring it"]
        )
    await alice.page.get_by_test_id("thread-input").fill("Great, chocolate please")
    await alice.page.get_by_test_id("thread-input").press("Enter")
    for person in (alice, bob):
        panel = person.page.get_by_test_id("thread-panel")
        await expect(panel.get_by_test_id("thread-reply").get_by_test_id("thread-text")).to_have_text(
            ["I will bring it", "Great, chocolate please"]
        )
        await expect(panel.get_by_test_id("thread-count")).to_have_text("2 replies")
        await expect(person.message("Who is bringing the cake?").get_by_test_id("reply-count")).to_have_text(
            "2 replies"
        )
        # The reply sent from the thread is a message of the room too, quoting its original.
        in_room = person.message("Great, chocolate please")
        await expect(in_room.get_by_test_id("reply-quote-text")).to_have_text("Who is bringing the cake?")

    await alice.page.mouse.move(0, 0)
    await alice.page.screenshot(path=str(SCREENSHOT))

    # A deleted reply leaves the thread and the count, live.
    reply = bob.message("I will bring it")
    await reply.hover()
    await reply.get_by_test_id("delete-button").click()
    await reply.get_by_test_id("delete-button").click()  # the second click confirms
    for person in (alice, bob):
        panel = person.page.get_by_test_id("thread-panel")
        await expect(panel.get_by_test_id("thread-reply").get_by_test_id("thread-text")).to_have_text(
            ["Great, chocolate please"]
        )
        await expect(person.message("Who is bringing the cake?").get_by_test_id("reply-count")).to_have_text("1 reply")

    # After a reload the count comes from the server.
    await bob.page.reload()
    await signed_in(bob)
    await expect(bob.message("Who is bringing the cake?").get_by_test_id("reply-count")).to_have_text("1 reply")


async def test_the_quote_of_a_far_back_original_jumps_to_it_loading_the_history_around_it(
    browser: Browser, shared_platform: Supervisor, windows: list[Person]
) -> None:
    name = unique_name("alice")
    async with ChatClient(shared_platform.gateway_url) as api:
        await api.register(name, "correct horse battery")
        room = await api.create_room(unique_name("archive"))
        original = await api.send(room["room_id"], "the decision we took long ago")
        for n in range(1, 121):
            await api.send(room["room_id"], f"filler {n:03d}")
        await api.send(room["room_id"], "as decided back then", reply_to=original["message_id"])
        await eventually(lambda: stored(api, room["room_id"], 122))

    alice = await sign_in(browser, shared_platform, windows, name)
    asked: list[str] = []
    alice.page.on("request", lambda request: _note_history_request(request, asked))
    await alice.room_item(room["name"]).click()
    reply = alice.message("as decided back then")
    # The original is not in the loaded history: the quote reads it from the server.
    await expect(reply.get_by_test_id("reply-quote-text")).to_have_text("the decision we took long ago")
    await expect(alice.message("the decision we took long ago")).to_have_count(0)

    await reply.get_by_test_id("reply-quote").click()
    target = alice.message("the decision we took long ago")
    await expect(target).to_have_class(HIGHLIGHTED)
    await expect(target).to_be_in_viewport()
    assert any(f"around={original['message_id']}" in url for url in asked), asked
    # Only the history around the original is loaded: the newest messages wait behind "Jump to the latest".
    await expect(alice.message("filler 120")).to_have_count(0)
    latest = alice.page.get_by_test_id("latest-button")
    await expect(latest).to_be_visible()

    await latest.click()
    await expect(alice.message("as decided back then")).to_be_in_viewport()
    await expect(latest).to_be_hidden()
    await expect(alice.message("the decision we took long ago")).to_have_count(0)


def _note_history_request(request: Request, asked: list[str]) -> None:
    if "/messages?" in request.url:
        asked.append(request.url)


async def test_reactions_from_two_users_show_live_with_who_reacted_and_after_a_reload(
    browser: Browser, shared_platform: Supervisor, windows: list[Person], new_user: ClientFactory
) -> None:
    two = await two_members_in_two_pages(browser, shared_platform, windows, new_user)
    alice, bob = two.alice, two.bob
    await alice.send("Ship it on Friday?")
    for person in (alice, bob):
        await expect(person.message("Ship it on Friday?")).to_have_count(1)

    # Bob picks 👍 from the picker; Alice sees it live.
    on_bob = bob.message("Ship it on Friday?")
    await on_bob.hover()
    await on_bob.get_by_test_id("react-button").click()
    await bob.page.locator('[data-testid="picker-emoji"][data-emoji="👍"]').click()
    await expect(bob.page.get_by_test_id("reaction-picker")).to_be_hidden()
    on_alice = alice.message("Ship it on Friday?")
    await expect(chip(on_alice, "👍").get_by_test_id("reaction-count")).to_have_text("1")
    await expect(chip(on_bob, "👍")).to_have_attribute("aria-pressed", "true")
    await expect(chip(on_alice, "👍")).to_have_attribute("aria-pressed", "false")

    # Alice joins in by clicking Bob's chip: two, and the title names both.
    await chip(on_alice, "👍").click()
    for message in (on_alice, on_bob):
        await expect(chip(message, "👍").get_by_test_id("reaction-count")).to_have_text("2")
    await expect(chip(on_bob, "👍")).to_have_attribute("title", f"You and {alice.name} reacted with 👍")
    await expect(chip(on_alice, "👍")).to_have_attribute("title", f"You and {bob.name} reacted with 👍")

    # The same reaction again (Bob's other client) counts once.
    await two.bob_api.react(two.room["room_id"], await on_bob.get_attribute("data-message-id") or "", "👍")
    await expect(chip(on_alice, "👍").get_by_test_id("reaction-count")).to_have_text("2")

    # Alice types an emoji of her own; text that is not one emoji is refused in the picker.
    await on_alice.hover()
    await on_alice.get_by_test_id("react-button").click()
    await alice.page.get_by_test_id("reaction-input").fill("yes")
    await alice.page.get_by_test_id("reaction-add").click()
    await expect(alice.page.get_by_test_id("reaction-picker-error")).to_be_visible()
    await alice.page.get_by_test_id("reaction-input").fill("🚀")
    await alice.page.get_by_test_id("reaction-add").click()
    await expect(chip(on_bob, "🚀").get_by_test_id("reaction-count")).to_have_text("1")
    await expect(chip(on_bob, "🚀")).to_have_attribute("title", f"{alice.name} reacted with 🚀")

    # A click on her own chip takes it back, for both.
    await chip(on_alice, "🚀").click()
    for message in (on_alice, on_bob):
        await expect(chip(message, "🚀")).to_have_count(0)
        await expect(chip(message, "👍").get_by_test_id("reaction-count")).to_have_text("2")

    # After a reload the reactions come from the server.
    for person in (alice, bob):
        await person.page.reload()
        await signed_in(person)
        message = person.message("Ship it on Friday?")
        await expect(chip(message, "👍").get_by_test_id("reaction-count")).to_have_text("2")
        await expect(chip(message, "👍")).to_have_attribute("aria-pressed", "true")
        await expect(chip(message, "🚀")).to_have_count(0)


async def test_a_search_result_is_highlighted_and_opens_its_room_at_the_message(
    browser: Browser, shared_platform: Supervisor, windows: list[Person], new_user: ClientFactory
) -> None:
    name = unique_name("alice")
    # A word only this test says (the search's words are letters: digits would split it).
    word = "quokka" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:8])
    async with ChatClient(shared_platform.gateway_url) as api:
        await api.register(name, "correct horse battery")
        archive = await api.create_room(unique_name("archive"))
        elsewhere = await api.create_room(unique_name("elsewhere"))
        found = await api.send(archive["room_id"], f"we saw a {word} at the zoo")
        for n in range(1, 121):
            await api.send(archive["room_id"], f"later chatter {n:03d}")
        # A room Alice is not in says the word too: never one of her results.
        stranger = await new_user()
        theirs = await stranger.create_room(unique_name("theirs"))
        await stranger.send(theirs["room_id"], f"another {word} sighting")
        await eventually(lambda: stored(api, archive["room_id"], 121))

    alice = await sign_in(browser, shared_platform, windows, name)
    await alice.room_item(elsewhere["name"]).click()
    await expect(alice.page.get_by_test_id("room-title")).to_have_text(f"# {elsewhere['name']}")
    await alice.page.get_by_test_id("search-input").fill(word)
    await alice.page.get_by_test_id("search-input").press("Enter")
    result = alice.page.get_by_test_id("search-result")
    await alice.without_complaint(expect(result).to_have_count(1))
    await expect(result.get_by_test_id("search-hit")).to_have_text(word)
    await expect(result.get_by_test_id("search-result-text")).to_have_text(f"we saw a {word} at the zoo")
    await expect(result.get_by_test_id("search-result-room")).to_have_text(f"#{archive['name']}")
    await expect(result.get_by_test_id("search-result-author")).to_have_text(name)

    await result.click()
    await expect(alice.page.get_by_test_id("search-panel")).to_be_hidden()
    await expect(alice.page.get_by_test_id("room-title")).to_have_text(f"# {archive['name']}")
    target = alice.page.locator(f'[data-testid="message"][data-message-id="{found["message_id"]}"]')
    await expect(target).to_have_class(HIGHLIGHTED)
    await expect(target).to_be_in_viewport()
    # Only the history around it is loaded.
    await expect(alice.message("later chatter 120")).to_have_count(0)
    await expect(alice.page.get_by_test_id("latest-button")).to_be_visible()
