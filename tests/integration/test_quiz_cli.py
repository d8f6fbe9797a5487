"""`chatcluster quiz create | start | advance | board` against the shared platform: the example quiz file creates the
quiz, start opens its first question, board prints the live top, my rank and the host's answers per choice, and a
bad file is refused with a sentence."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from chatcluster.client import ChatClient
from chatcluster.supervisor import Supervisor
from tests.conftest import ClientFactory
from tests.integration.test_quiz import board_when

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "quiz" / "general-knowledge.yaml"


async def cli(platform: Supervisor, home: Path, *args: str) -> tuple[int, str]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(home), "CHATCLUSTER_URL": platform.gateway_url, "COLUMNS": "200"}
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "chatcluster",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(child.communicate(), 60)
    return child.returncode or 0, out.decode()


def signed_in_as(client: ChatClient, platform: Supervisor, home: Path) -> None:
    """The session file `chatcluster login` would write, for a user the test registered through the API."""
    saved = {
        "token": client.token,
        "refresh_token": client.refresh_token,
        "expires_at": client.expires_at.isoformat() if client.expires_at else None,
        "session_id": client.session_id,
        "user_id": client.user_id,
        "username": client.username,
    }
    (home / "chatcluster").mkdir(parents=True)
    (home / "chatcluster" / "session.json").write_text(json.dumps({platform.gateway_url: saved}))


async def test_a_host_creates_starts_and_follows_a_quiz_from_the_example_file(
    shared_platform: Supervisor, new_user: ClientFactory, tmp_path: Path
) -> None:
    host, player = await new_user(), await new_user()
    signed_in_as(host, shared_platform, tmp_path)

    code, out = await cli(shared_platform, tmp_path, "quiz", "create", str(EXAMPLE))
    assert code == 0, out
    quiz_id = out.strip()
    quiz = await host.call("GET", f"/v1/quizzes/{quiz_id}")
    assert (quiz["title"], quiz["question_count"], quiz["state"]) == ("Capitals of Europe", 3, "draft")

    await player.call("POST", f"/v1/quizzes/{quiz_id}/join")
    code, out = await cli(shared_platform, tmp_path, "quiz", "start", quiz_id)
    assert code == 0, out
    assert out.startswith("started Capitals of Europe: question 1 of 3 open, closes by itself in "), out

    await player.call("POST", f"/v1/quizzes/{quiz_id}/questions/0/answer", json={"choice": 0, "key": "k0"})
    live = await board_when(host, quiz_id, lambda b: b["answers"] == 1)
    score = live["top"][0]["score"]
    assert score >= 100  # 100 points and the speed bonus
    code, out = await cli(shared_platform, tmp_path, "quiz", "board", quiz_id)
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "1 players, 1 answers, question 1"
    assert lines[1].split() == ["1.", player.username, str(score)]
    assert lines[2] == "question 1: 1 0 0"

    code, out = await cli(shared_platform, tmp_path, "quiz", "advance", quiz_id)
    assert code == 0 and out.startswith("question 2 of 3 open, closes by itself in "), out


async def test_a_bad_quiz_file_is_refused_with_a_sentence(
    shared_platform: Supervisor, new_user: ClientFactory, tmp_path: Path
) -> None:
    signed_in_as(await new_user(), shared_platform, tmp_path)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("title: Wrong\nquestions:\n  - text: Two?\n    choices: [a, b]\n    correct: 2\n")
    code, out = await cli(shared_platform, tmp_path, "quiz", "create", str(wrong))
    assert code == 1 and out.startswith("error 422:") and "correct" in out, out

    not_a_mapping = tmp_path / "list.yaml"
    not_a_mapping.write_text("- just\n- a list\n")
    code, out = await cli(shared_platform, tmp_path, "quiz", "create", str(not_a_mapping))
    assert code == 2 and "must hold a mapping with a title and questions" in out, out

    code, out = await cli(shared_platform, tmp_path, "quiz", "start", "123456")
    assert (code, out.strip()) == (1, "error 404: quiz 123456 does not exist"), out
