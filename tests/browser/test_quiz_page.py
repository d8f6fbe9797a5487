"""The quiz view in a real browser: a host creates a quiz in the page, two players join from its link, and after
each answer both players' boards change live, the host seeing the answers per choice."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from chatcluster.supervisor import Supervisor
from tests.browser.test_chat_page import Person, sign_in
from tests.conftest import ClientFactory


async def test_a_host_and_two_players_see_the_board_change_after_each_answer(
    browser: Browser, shared_platform: Supervisor, windows: list[Person], new_user: ClientFactory
) -> None:
    names = []
    for _ in range(3):
        api = await new_user()
        assert api.username is not None
        names.append(api.username)
    host, ann, bob = [await sign_in(browser, shared_platform, windows, name) for name in names]

    await host.page.get_by_test_id("quiz-tab").click()
    await host.page.get_by_test_id("quiz-title-input").fill("Capitals")
    await host.page.get_by_test_id("quiz-q-text").fill("Capital of France?")
    await host.page.get_by_test_id("quiz-q-choices").fill("Lyon\nParis\nNice")
    await host.page.get_by_test_id("quiz-q-correct").fill("2")
    await host.page.get_by_test_id("quiz-q-limit").fill("60")
    await host.page.get_by_test_id("quiz-create").click()
    await expect(host.page.get_by_test_id("quiz-name")).to_have_text("Capitals")
    quiz_url = host.page.url
    assert "#quiz=" in quiz_url

    for player in (ann, bob):
        await player.page.goto(quiz_url)
        await expect(player.page.get_by_test_id("quiz-stage")).to_have_text("Waiting for the host to start.")
        await player.page.get_by_test_id("quiz-join").click()
        await expect(player.page.get_by_test_id("quiz-join")).to_be_hidden()

    await host.page.get_by_test_id("quiz-start").click()
    for player in (ann, bob):
        await expect(player.page.get_by_test_id("quiz-question")).to_have_text("Capital of France?")
        await expect(player.page.get_by_test_id("quiz-countdown")).to_have_text(re.compile(r"^\d+ s left$"))

    await ann.page.get_by_test_id("quiz-choice").filter(has_text="Paris").click()
    for player in (ann, bob):
        await expect(player.page.get_by_test_id("quiz-board-row").first).to_contain_text(f"1. {ann.name} — ")
    await expect(ann.page.get_by_test_id("quiz-me")).to_contain_text("You: #1 of 2")
    await expect(bob.page.get_by_test_id("quiz-me")).to_have_text("You: #2 of 2 · 0 points")
    await expect(host.page.get_by_test_id("quiz-count")).to_have_text(["Lyon0", "Paris1", "Nice0"])

    await bob.page.get_by_test_id("quiz-choice").filter(has_text="Paris").click()
    await expect(host.page.get_by_test_id("quiz-count")).to_have_text(["Lyon0", "Paris2", "Nice0"])
    for player in (ann, bob):  # 100 points and a speed bonus: bob reached his score after ann
        await expect(player.page.get_by_test_id("quiz-board-row").nth(1)).to_have_text(
            re.compile(rf"^2\. {re.escape(bob.name)} — 1\d\d$")
        )
    await expect(bob.page.get_by_test_id("quiz-me")).to_contain_text("You: #2 of 2 · 1")
    await expect(bob.page.get_by_test_id("quiz-choice").first).to_be_disabled()
