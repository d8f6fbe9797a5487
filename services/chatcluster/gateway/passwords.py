"""What a password may be, and the bounded worker pool that hashes and verifies passwords.

Argon2 is deliberately slow (~0.2 s of CPU and 64 MiB per hash): on the event loop one login
stalls every socket of the gateway. argon2-cffi releases the GIL, so a few threads hash in
parallel while the loop keeps serving; past `workers + queue` waiting hashes the pool refuses
at once (`PasswordsBusy`, a 503) rather than letting logins pile up behind each other.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import TypeVar

from chatcluster.gateway.security import hash_password, verify_password

T = TypeVar("T")


class PasswordsBusy(Exception):
    """Every worker is busy and the queue is full."""


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of public breach corpora, as the zxcvbn package ships them
    (Dropbox's password-strength estimator, `zxcvbn.frequency_lists`)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, username: str) -> str | None:
    """A sentence saying why a new password is refused, or None when it is acceptable."""
    if not password.strip():
        return "password: must not be only whitespace"
    folded = password.strip().casefold()
    if folded == username.casefold():
        return "password: must not be the username"
    if folded in common_passwords():
        return "password: it is one of the most common passwords, which are guessed first; choose another"
    return None


class PasswordWorkers:
    def __init__(self, workers: int, queue: int) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        self._capacity = workers + queue
        self._pending = 0
        # Made at start-up on a worker, so the first unknown username costs what any other does.
        self._dummy_hash = self._executor.submit(hash_password, secrets.token_urlsafe(16))

    async def _run(self, work: Callable[..., T], *args: str) -> T:
        if self._pending >= self._capacity:
            raise PasswordsBusy
        self._pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work, *args)
        finally:
            self._pending -= 1

    async def hash(self, password: str) -> str:
        return await self._run(hash_password, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        """Check a password; with no hash (an unknown or deleted user) a dummy hash is checked, so the
        answer takes as long as a wrong password and does not tell which usernames exist."""
        if password_hash:
            return await self._run(verify_password, password_hash, password)
        await self._run(verify_password, await asyncio.wrap_future(self._dummy_hash), password)
        return False

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
