"""Mailpit, a real SMTP server whose HTTP API tells what arrived: the digest emails' test server.

`ensure_mailpit()` builds `github.com/axllent/mailpit` with `go install` through the Go module proxy (about a
minute, once per machine: cached per version under `~/.cache/chatcluster/`, file-locked so two test sessions
build it once); `LocalMailpit` runs it on free loopback ports and reads the messages back.

    python -m chatcluster.dev.mailpit install     (what `make test-deps` runs)
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

from chatcluster.dev.gobuild import GoBuildFailed, cache_root, go_install_cached

MAILPIT_VERSION = "1.33.1"
MAILPIT_MODULE = "github.com/axllent/mailpit"
START_TIMEOUT_SECONDS = 30.0
LOOPBACK = "127.0.0.1"


class MailpitUnavailable(RuntimeError):
    """Mailpit cannot be built here (no Go toolchain) or did not build; the message says why."""


def cache_home(version: str = MAILPIT_VERSION) -> Path:
    return cache_root() / f"mailpit-{version}"


def ensure_mailpit(version: str = MAILPIT_VERSION, home: Path | None = None) -> Path:
    """The cached `mailpit` binary, built first when missing."""
    try:
        return go_install_cached(MAILPIT_MODULE, version, home or cache_home(version), "mailpit")
    except GoBuildFailed as exc:
        raise MailpitUnavailable(str(exc)) from exc


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


class LocalMailpit:
    """Mailpit on two free loopback ports: SMTP (`smtp_url`) and its HTTP API (`messages`)."""

    def __init__(self, binary: Path, home: Path) -> None:
        self.binary = binary
        self.home = home
        self.smtp_port = _free_port()
        self.http_port = _free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def smtp_url(self) -> str:
        return f"smtp://{LOOPBACK}:{self.smtp_port}"

    @property
    def api_url(self) -> str:
        return f"http://{LOOPBACK}:{self.http_port}/api/v1"

    def start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        argv = [
            str(self.binary),
            "--smtp",
            f"{LOOPBACK}:{self.smtp_port}",
            "--listen",
            f"{LOOPBACK}:{self.http_port}",
            "--database",
            str(self.home / "mailpit.db"),
            "--disable-version-check",
            "--smtp-disable-rdns",
            "--quiet",
        ]
        with (self.home / "mailpit.log").open("ab") as out:
            self._process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if self._process.poll() is not None:
                raise MailpitUnavailable(f"mailpit exited with code {self._process.returncode}; see {self.home}")
            try:
                if httpx.get(f"{self.api_url}/info", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise MailpitUnavailable(f"mailpit did not answer within {START_TIMEOUT_SECONDS:.0f}s")
            time.sleep(0.05)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.stop()

    def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        """Every message that arrived (newest first), or those addressed to `to`: Mailpit's summaries
        (ID, From, To, Subject, Snippet, Created...)."""
        query = {"query": f"to:{to}"} if to else None
        url = f"{self.api_url}/search" if query else f"{self.api_url}/messages"
        answer = httpx.get(url, params={**(query or {}), "limit": 1000}, timeout=10)
        answer.raise_for_status()
        found: list[dict[str, Any]] = answer.json()["messages"]
        return found

    def message(self, message_id: str) -> dict[str, Any]:
        """One message whole: headers, `Text` (the plain body), `HTML`..."""
        answer = httpx.get(f"{self.api_url}/message/{message_id}", timeout=10)
        answer.raise_for_status()
        found: dict[str, Any] = answer.json()
        return found

    def delete_all(self) -> None:
        httpx.delete(f"{self.api_url}/messages", timeout=10).raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m chatcluster.dev.mailpit")
    parser.add_argument("command", choices=["install"], help="build Mailpit into the cache unless it is there")
    parser.parse_args()
    try:
        print(f"mailpit {MAILPIT_VERSION}: {ensure_mailpit()}")
    except MailpitUnavailable as exc:
        # The digest tests then skip (or fail under CHATCLUSTER_REQUIRE_ALL=1); everything else still runs.
        print(f"note: {exc}")


if __name__ == "__main__":
    main()
