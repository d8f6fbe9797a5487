"""Which new passwords are refused, and the bounded pool that hashes them off the event loop."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from chatcluster.gateway import passwords
from chatcluster.gateway.passwords import PasswordsBusy, PasswordWorkers, password_problem
from chatcluster.gateway.security import verify_password


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("        ", "whitespace"),
        ("\t \n  \u00a0   ", "whitespace"),
        ("Alice_Smith", "username"),
        ("  alice_smith ", "username"),
        ("password", "most common"),
        ("Password1", "most common"),
        ("qwertyuiop", "most common"),
        ("iloveyou", "most common"),
    ],
)
def test_a_weak_password_is_refused_with_a_sentence(password: str, words: str) -> None:
    problem = password_problem(password, "alice_smith")

    assert problem is not None
    assert words in problem


@pytest.mark.parametrize("password", ["correct horse battery", "Tr0ub4dor&3-staple", "alice_smith!"])
def test_a_passphrase_or_an_uncommon_password_is_accepted(password: str) -> None:
    assert password_problem(password, "alice_smith") is None


def test_the_common_list_is_the_one_zxcvbn_ships() -> None:
    assert len(passwords.common_passwords()) >= 30_000


async def test_hashing_runs_off_the_event_loop_so_the_loop_keeps_turning() -> None:
    workers = PasswordWorkers(workers=1, queue=4)
    loop_ticks = 0
    hashing = asyncio.ensure_future(workers.hash("correct horse battery"))
    while not hashing.done():
        loop_ticks += 1
        await asyncio.sleep(0.005)
    workers.close()

    assert verify_password(hashing.result(), "correct horse battery")
    assert loop_ticks > 3


async def test_a_full_pool_refuses_at_once_instead_of_queueing_without_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    monkeypatch.setattr(passwords, "hash_password", lambda _password: release.wait(10) and "h")
    workers = PasswordWorkers(workers=1, queue=1)
    waiting = [asyncio.ensure_future(workers.hash("a")), asyncio.ensure_future(workers.hash("b"))]
    await asyncio.sleep(0.05)

    started = time.monotonic()
    with pytest.raises(PasswordsBusy):
        await workers.hash("c")
    refused_after = time.monotonic() - started
    release.set()
    await asyncio.gather(*waiting)
    workers.close()

    assert refused_after < 1.0


async def test_an_unknown_users_check_costs_a_real_verification_and_fails() -> None:
    workers = PasswordWorkers(workers=1, queue=4)
    started = time.monotonic()
    real = await workers.hash("correct horse battery")
    hash_seconds = time.monotonic() - started

    started = time.monotonic()
    assert await workers.verify("", "correct horse battery") is False
    dummy_seconds = time.monotonic() - started
    workers.close()

    assert await asyncio.to_thread(verify_password, real, "correct horse battery")
    assert dummy_seconds > hash_seconds / 3
