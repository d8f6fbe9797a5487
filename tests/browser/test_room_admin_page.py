"""Rooms people run, pinned messages, contacts and blocking in the web page, in a real Chromium against the real
platform: the owner renames a room and sets its topic and a member sees both live; a kicked member's page drops the
room at once; a private room leaves another user's directory and an invited user gets it live; a pin shows in another
member's pins panel and leads to its message; an admin deletes someone else's message; a contact added with the
directory's suggestions opens a direct message; a blocked user's new messages never reach the blocker's page while a
third member sees them, and the blocked user's direct message is refused with the server's sentence."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Locator, expect

from chatcluster.client import ChatClient
from chatcluster.supervisor import Supervisor
from tests.browser.conftest import two_members_in_two_pages
from tests.browser.test_chat_page import Person, sign_in
from tests.conftest import ClientFactory, unique_name
from tests.helpers import all_messages, eventually

pytestmark = pytest.mark.browser

HIGHLIGHTED = re.compile(r"\bhighlighted\b")


def admin_row(person: Person, username: str) -> Locator:
    return person.page.locator(f'[data-testid="room-admin-member"][data-username="{username}"]')


def member_row(person: Person, username: str) -> Locator:
    return person.page.locator(f'[data-testid="member-item"][data-username="{username}"]')


def directory_item(person: Person, name: str) -> Locator:
    return person.page.locator(f'[data-testid="directory-item"][data-room-name="{name}"]')


async def stored_texts_include(api: ChatClient, room_id: str, texts: set[str]) -> bool:
    return texts <= {m["text"] for m in await all_messages(api, room_id)}


async def open_settings(person: Person) -> Locator:
    await person.page.get_by_test_id("room-settings-button").click()
    panel = person.page.get_by_test_id("room-settings-panel")
    await expect(panel).to_be_visible()
    return panel


async def join_and_open(
    browser: Browser, platform: Supervisor, windows: list[Person], api: ChatClient, room: dict[str, str]
) -> Person:
    await api.join(room["room_id"])
    assert api.username is not None
    person = await sign_in(browser, platform, windows, api.username)
    await person.room_item(room["name"]).click()
    await expect(person.page.get_by_test_id("room-title")).to_have_text(f"# {room['name']}")
    return person


async def test_the_owner_renames_the_room_and_sets_its_topic_and_a_members_page_shows_both_live(
    browser: Browser, shared_platform: Supervisor, windows: list[Person], new_user: ClientFactory
) -> None:
    two = await two_members_in_two_pages(browser, shared_platform, windows, new_user)
    alice, bob = two.alice, two.bob
    # Only the owner and admins are offered the settings; the server refuses a member anyway.
    await expect(bob.page.get_by_test_id("room-settings-button")).to_be_hidden()
    refused = await two.bob_api.request("PATCH", f"/v1/rooms/{two.room['room_id']}", json={"name": "mine now"})
    assert refused.status_code == 403, refused.text

    panel = await open_settings(alice)
    await expect(admin_row(alice, alice.name).get_by_test_id("role-badge")).to_have_text("Owner")
    await expect(admin_row(alice, bob.name).get_by_test_id("role-badge")).to_have_count(0)
    new_name = unique_name("parlour")
    await panel.get_by_test_id("room-name-input").fill(new_name)
    await panel.get_by_test_id("room-topic-input").fill("Tea at four, cake on Fridays")
    await panel.get_by_test_id("room-settings-save").click()
    await alice.without_complaint(expect(panel.get_by_test_id("room-settings-status")).to_have_text("Saved."))

    for person in (alice, bob):
        await expect(person.page.get_by_test_id("room-title")).to_have_text(f"# {new_name}")
        await expect(person.page.get_by_test_id("room-topic")).to_have_text("Tea at four, cake on Fridays")
        await expect(person.room_item(new_name)).to_have_count(1)
        await expect(person.room_item(two.room["name"])).to_have_count(0)

    # A topic longer than the server allows is refused with its sentence, and nothing changes.
    await panel.get_by_test_id("room-topic-input").evaluate("el => el.removeAttribute('maxlength')")
    await panel.get_by_test_id("room-topic-input").fill("x" * 301)
    await panel.get_by_test_id("room-settings-save").click()
    await expect(panel.get_by_test_id("room-settings-error")).to_be_visible()
    await expect(bob.page.get_by_test_id("room-topic")).to_have_text("Tea at four, cake on Fridays")


async def test_a_kicked_member_loses_the_room_at_once_and_is_told(
    browser: Browser, shared_platform: Supervisor, windows: list[Person], new_user: ClientFactory
) -> None:
    two = await two_members_in_two_pages(browser, shared_platform, windows, new_user)
    alice, bob = two.alice, two.bob
    await alice.send("Before the storm")
    await expect(bob.message("Before the storm")).to_have_count(1)

    await open_settings(alice)
    await admin_row(alice, bob.name).get_by_test_id("member-kick").click()
    await expect(admin_row(alice, bob.name)).to_have_count(0)

    await expect(bob.room_item(two.room["name"])).to_have_count(0)
    await expect(bob.page.get_by_test_id("room-title")).to_have_text("No room open")
    await expect(bob.page.get_by_test_id("info-text")).to_contain_text(f"#{two.room['name']}")
    await expect(bob.page.get_by_test_id("error-banner")).to_be_hidden()
    # The rest of the room reads what happened.
    removed = alice.page.get_by_test_id("member-notice").filter(has_text=f"{bob.name} was removed from the room")
    await expect(removed).to_have_count(1)
    # Nothing said afterwards reaches Bob's page.
    await alice.send("After the storm")
    history = await two.bob_api.request("GET", f"/v1/rooms/{two.room['room_id']}/messages")
    assert history.status_code in (403, 404), history.text


async def test_a_ban_is_listed_until_lifted_and_the_owner_deletes_the_room_for_everyone_after_a_second_click(
    browser: Browser, shared_platform: Supervisor, windows: list[Person], new_user: ClientFactory
) -> None:
    two = await two_members_in_two_pages(browser, shared_platform, windows, new_user)
    alice, bob = two.alice, two.bob
    carol = await join_and_open(browser, shared_platform, windows, await new_user(), two.room)
    panel = await open_settings(alice)

    # Banning asks twice; the banned member leaves the members for the ban list, and may not come back.
    ban = admin_row(alice, bob.name).get_by_test_id("member-ban")
    await ban.click()
    await expect(ban).to_have_text("Really ban?")
    await ban.click()
    banned = panel.locator(f'[data-testid="room-ban"][data-username="{bob.name}"]')
    await alice.without_complaint(expect(banned).to_have_count(1))
    await expect(admin_row(alice, bob.name)).to_have_count(0)
    await expect(bob.room_item(two.room["name"])).to_have_count(0)
    rejoin = await two.bob_api.request("POST", f"/v1/rooms/{two.room['room_id']}/join")
    assert rejoin.status_code == 403, rejoin.text
    await banned.get_by_test_id("unban-button").click()
    await expect(banned).to_have_count(0)
    assert (await two.bob_api.request("POST", f"/v1/rooms/{two.room['room_id']}/join")).status_code == 200

    # Deleting asks first; then the room leaves every member's page with a notice.
    await panel.get_by_test_id("room-delete-button").click()
    await expect(panel.get_by_test_id("room-delete-confirm")).to_be_visible()
    await panel.get_by_test_id("room-delete-confirm").click()
    for person in (alice, carol):
        await expect(person.room_item(two.room["name"])).to_have_count(0)
        await expect(person.page.get_by_test_id("room-title")).to_have_text("No room open")
    await expect(carol.page.get_by_test_id("info-text")).to_contain_text(f"#{two.room['name']}")
    await expect(alice.page.get_by_test_id("info-banner")).to_be_hidden()
    gone = await two.alice_api.request("GET", f"/v1/rooms/{two.room['room_id']}")
    assert gone.status_code == 404, gone.text


async def test_a_private_room_leaves_another_users_directory_and_an_invited_user_gets_it_live(
    browser: Browser, shared_platform: Supervisor, windows: list[Person], new_user: ClientFactory
) -> None:
    alice_api, carol_api = await new_user(), await new_user()
    room = await alice_api.create_room(unique_name("secret"))
    assert alice_api.username is not None and carol_api.username is not None
    alice = await sign_in(browser, shared_platform, windows, alice_api.username)
    await alice.room_item(room["name"]).click()
    carol = await sign_in(browser, shared_platform, windows, carol_api.username)
    await expect(directory_item(carol, room["name"])).to_have_count(1)

    panel = await open_settings(alice)
    await panel.get_by_test_id("room-private-input").check()
    await panel.get_by_test_id("room-settings-save").click()
    await alice.without_complaint(expect(panel.get_by_test_id("room-settings-status")).to_have_text("Saved."))
    await carol.page.get_by_test_id("directory-refresh").click()
    await expect(directory_item(carol, room["name"])).to_have_count(0)
    joined = await carol_api.request("POST", f"/v1/rooms/{room['room_id']}/join")
    assert joined.status_code == 404, joined.text

    # Alice invites Carol, picking her from the directory's suggestions: the room shows in Carol's page live.
    invite = panel.get_by_test_id("room-invite-input")
    await invite.press_sequentially(carol.name[:-2])
    suggestion = panel.locator(f'[data-testid="user-suggestion"][data-username="{carol.name}"]')
    await suggestion.click()
    await expect(invite).to_have_value(carol.name)
    await panel.get_by_test_id("room-invite-button").click()
    await alice.without_complaint(expect(admin_row(alice, carol.name)).to_have_count(1))
    await expect(carol.room_item(room["name"])).to_have_count(1)
    await expect(directory_item(carol, room["name"])).to_have_count(0)


async def test_a_pinned_message_shows_in_another_members_pins_panel_and_leads_to_it(
    browser: Browser, shared_platform: Supervisor, windows: list[Person], new_user: ClientFactory
) -> None:
    two = await two_members_in_two_pages(browser, shared_platform, windows, new_user)
    alice, bob = two.alice, two.bob
    await alice.send("The wifi password is on the fridge")
    await bob.send("Thanks!")
    # A member may not pin: no Pin among Bob's actions.
    await expect(bob.message("The wifi password is on the fridge").get_by_test_id("pin-button")).to_be_hidden()

    message = alice.message("The wifi password is on the fridge")
    await message.hover()
    await message.get_by_test_id("pin-button").click()
    await alice.without_complaint(expect(message.get_by_test_id("pinned-mark")).to_be_visible())
    await expect(bob.message("The wifi password is on the fridge").get_by_test_id("pinned-mark")).to_be_visible()

    await bob.page.get_by_test_id("pins-button").click()
    pins = bob.page.get_by_test_id("pins-panel").get_by_test_id("pinned-message")
    await expect(pins.get_by_test_id("pinned-text")).to_have_text(["The wifi password is on the fridge"])
    await expect(pins.get_by_test_id("pinned-unpin")).to_have_count(0)

    # Live: Alice pins Bob's message too, newest pin first in Bob's open panel.
    thanks = alice.message("Thanks!")
    await thanks.hover()
    await thanks.get_by_test_id("pin-button").click()
    await expect(pins.get_by_test_id("pinned-text")).to_have_text(["Thanks!", "The wifi password is on the fridge"])

    # A click on a pin shows its message, highlighted.
    await pins.filter(has_text="The wifi password is on the fridge").click()
    await expect(bob.message("The wifi password is on the fridge")).to_have_class(HIGHLIGHTED)

    # Unpinned by Alice: gone from Bob's panel and mark.
    thanks = alice.message("Thanks!")
    await thanks.hover()
    await thanks.get_by_test_id("pin-button").click()
    await expect(pins.get_by_test_id("pinned-text")).to_have_text(["The wifi password is on the fridge"])
    await expect(bob.message("Thanks!").get_by_test_id("pinned-mark")).to_be_hidden()


async def test_an_admin_made_by_the_owner_deletes_someone_elses_message(
    browser: Browser, shared_platform: Supervisor, windows: list[Person], new_user: ClientFactory
) -> None:
    two = await two_members_in_two_pages(browser, shared_platform, windows, new_user)
    alice, bob = two.alice, two.bob
    await alice.send("An owner's word")
    await expect(bob.message("An owner's word").get_by_test_id("delete-button")).to_be_hidden()

    await open_settings(alice)
    await admin_row(alice, bob.name).get_by_test_id("member-promote").click()
    await expect(admin_row(alice, bob.name).get_by_test_id("role-badge")).to_have_text("Admin")
    for person in (alice, bob):
        promoted = person.page.get_by_test_id("member-notice").filter(has_text=f"{bob.name} is now an admin")
        await expect(promoted).to_have_count(1)

    # Bob's page follows his new role live: the settings, and Delete on Alice's message.
    await expect(bob.page.get_by_test_id("room-settings-button")).to_be_visible()
    word = bob.message("An owner's word")
    await word.hover()
    await word.get_by_test_id("delete-button").click()
    await word.get_by_test_id("delete-button").click()  # "Really delete?"
    await expect(alice.message("This message was deleted.")).to_have_count(1)


async def test_a_contact_added_with_suggestions_shows_presence_and_opens_a_direct_message(
    browser: Browser, shared_platform: Supervisor, windows: list[Person], new_user: ClientFactory
) -> None:
    alice_api, bob_api = await new_user(), await new_user()
    assert alice_api.username is not None and bob_api.username is not None
    bob = await sign_in(browser, shared_platform, windows, bob_api.username)
    alice = await sign_in(browser, shared_platform, windows, alice_api.username)

    await alice.page.get_by_test_id("contact-input").press_sequentially(bob.name[:-1])
    suggestion = alice.page.locator(f'[data-testid="user-suggestion"][data-username="{bob.name}"]')
    await expect(suggestion).to_have_count(1)
    await alice.page.get_by_test_id("contact-input").press("ArrowDown")
    await alice.page.get_by_test_id("contact-input").press("Enter")
    await expect(alice.page.get_by_test_id("contact-input")).to_have_value(bob.name)
    await alice.page.get_by_test_id("contact-add-button").click()
    contact = alice.page.locator(f'[data-testid="contact-item"][data-username="{bob.name}"]')
    await alice.without_complaint(expect(contact).to_have_count(1))
    await expect(contact.get_by_test_id("presence-dot")).to_have_attribute("data-status", "online")

    await contact.click()
    await expect(alice.page.get_by_test_id("room-title")).to_have_text(f"@{bob.name}")
    await alice.send("Found you in my contacts")
    await expect(bob.page.locator('[data-testid="room-item"][data-kind="direct"]')).to_have_count(1)

    # Contacts survive a reload (the server keeps them); removed, the contact is gone.
    await alice.page.reload()
    await expect(contact).to_have_count(1)
    await contact.hover()
    await contact.get_by_test_id("contact-remove").click()
    await expect(contact).to_have_count(0)


async def test_blocking_hides_the_blocked_users_messages_from_the_blocker_while_a_third_member_sees_them(
    browser: Browser, shared_platform: Supervisor, windows: list[Person], new_user: ClientFactory
) -> None:
    two = await two_members_in_two_pages(browser, shared_platform, windows, new_user)
    alice, bob = two.alice, two.bob
    carol = await join_and_open(browser, shared_platform, windows, await new_user(), two.room)
    await two.bob_api.dm(carol.name)  # they talked before
    await bob.send("Bob was here first")
    await expect(carol.message("Bob was here first")).to_have_count(1)

    # Carol blocks Bob from the member list: his message leaves her page at once.
    await carol.page.get_by_test_id("members-button").click()
    row = member_row(carol, bob.name)
    await row.hover()
    await row.get_by_test_id("block-button").click()
    await expect(carol.message("Bob was here first")).to_have_count(0)
    await expect(row.get_by_test_id("unblock-button")).to_be_visible()
    blocked = carol.page.locator(f'[data-testid="blocked-person"][data-username="{bob.name}"]')
    await expect(blocked).to_have_count(1)

    # Bob's new message reaches Alice, never Carol (Alice's next message does, so Bob's had its chance).
    await bob.send("Anyone there?")
    await expect(alice.message("Anyone there?")).to_have_count(1)
    await alice.send("Yes, Alice is")
    await expect(carol.message("Yes, Alice is")).to_have_count(1)
    await expect(carol.message("Anyone there?")).to_have_count(0)
    # Nor after a reload (history leaves him out for her), once both are stored.
    await eventually(
        lambda: stored_texts_include(two.alice_api, two.room["room_id"], {"Anyone there?", "Yes, Alice is"})
    )
    await carol.page.reload()
    await expect(carol.message("Yes, Alice is")).to_have_count(1)
    await expect(carol.message("Anyone there?")).to_have_count(0)

    # Bob may not write to Carol in their direct message, nor open one: the page shows the server's sentence.
    await bob.page.locator(f'[data-testid="room-item"][data-kind="direct"][data-room-name="{carol.name}"]').click()
    await expect(bob.page.get_by_test_id("room-title")).to_have_text(f"@{carol.name}")
    await bob.page.get_by_test_id("composer-input").fill("psst, Carol")
    await bob.page.get_by_test_id("send-button").click()
    refused = bob.page.get_by_test_id("pending-message").filter(has_text="psst, Carol")
    await expect(refused.get_by_test_id("message-status")).to_have_text("Not sent: you cannot message this user")
    await expect(bob.page.get_by_test_id("error-banner")).to_contain_text("you cannot message this user")
    await bob.page.get_by_test_id("dm-input").fill(carol.name)
    await bob.page.get_by_test_id("dm-button").click()
    await expect(bob.page.get_by_test_id("error-banner")).to_contain_text("you cannot message this user")

    # Unblocked from her list of blocked people, his messages come back.
    await carol.page.get_by_test_id("blocks-toggle").click()
    await blocked.get_by_test_id("unblock-button").click()
    await expect(blocked).to_have_count(0)
    await expect(carol.message("Anyone there?")).to_have_count(1)
