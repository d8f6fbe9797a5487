"""`chatcluster quiz create FILE.yaml | start | advance | board`: a host's quiz from a terminal, through the API of the
signed-in session (`chatcluster login` first). The YAML file holds what `POST /v1/quizzes` takes
(examples/quiz/general-knowledge.yaml); the gateway validates it and answers every mistake with a sentence."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

quiz_app = typer.Typer(help="Live quizzes: create one from a YAML file, start it, follow its leaderboard.")

UrlOption = Annotated[str, typer.Option("--url", envvar="CHATCLUSTER_URL", help="Gateway base URL")]
DEFAULT_URL = "http://127.0.0.1:8000"


def read_draft(path: Path) -> dict[str, Any]:
    """The quiz as the YAML file gives it; a file that is not a YAML mapping is refused here with a sentence."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise typer.BadParameter(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(loaded, dict):
        raise typer.BadParameter(
            f"{path} must hold a mapping with a title and questions (see examples/quiz/general-knowledge.yaml)"
        )
    # YAML reads an unquoted time as a datetime; the API takes ISO 8601 text.
    if hasattr(loaded.get("available_from"), "isoformat"):
        loaded["available_from"] = loaded["available_from"].isoformat()
    if loaded.get("room_id") is not None:
        loaded["room_id"] = str(loaded["room_id"])
    return loaded


def _call(url: str, method: str, path: str, **kwargs: Any) -> Any:
    from chatcluster.cli import _client, _run  # the CLI's saved session; imported late (it mounts this app)

    async def go() -> Any:
        async with _client(url) as client:
            return await client.call(method, path, **kwargs)

    return _run(go())


def _where(quiz: dict[str, Any]) -> str:
    progress = quiz["progress"]
    if quiz["state"] == "ended":
        return "ended"
    if quiz["state"] == "draft":
        return "not started"
    where = f"question {progress['question'] + 1} of {quiz['question_count']} open"
    if progress["closes_ms"] is not None:
        where += f", closes by itself in {max(0, progress['closes_ms'] - progress['now_ms']) // 1000} s"
    return where


@quiz_app.command("create")
def create(file: Path, url: UrlOption = DEFAULT_URL) -> None:
    """Create a quiz from FILE.yaml (I am its host) and print its id."""
    quiz = _call(url, "POST", "/v1/quizzes", json=read_draft(file))
    typer.echo(quiz["quiz_id"])


@quiz_app.command("start")
def start(quiz_id: str, url: UrlOption = DEFAULT_URL) -> None:
    """Start QUIZ_ID: its first question opens (players may join from its available-from time until it ends)."""
    quiz = _call(url, "POST", f"/v1/quizzes/{quiz_id}/start")
    typer.echo(f"started {quiz['title']}: {_where(quiz)}")


@quiz_app.command("advance")
def advance(quiz_id: str, url: UrlOption = DEFAULT_URL) -> None:
    """Close the open question of QUIZ_ID and open the next (past the last one, the quiz ends)."""
    typer.echo(_where(_call(url, "POST", f"/v1/quizzes/{quiz_id}/advance")))


def board_lines(board: dict[str, Any], choices: list[int] | None = None) -> list[str]:
    """The board as text: where the quiz is, the top, my own rank and score, the answers per choice (host; `choices`:
    how many each question has, as the board leaves out the choices nobody took past the last one taken)."""
    progress = board["progress"]
    where = "ended" if progress["ended"] else f"question {progress['question'] + 1}"
    if progress["question"] < 0:
        where = "not started"
    lines = [f"{board['players']} players, {board['answers']} answers, {where}"]
    lines += [f"{entry['rank']:>4}. {entry['username']:<24} {entry['score']:>8}" for entry in board["top"]]
    if board.get("me"):
        lines.append(f"me: rank {board['me']['rank']}, score {board['me']['score']}")
    for question, per_choice in sorted(board.get("counts", {}).items(), key=lambda item: int(item[0])):
        wanted = choices[int(question)] if choices and int(question) < len(choices) else len(per_choice)
        padded = per_choice + [0] * (wanted - len(per_choice))
        lines.append(f"question {int(question) + 1}: " + " ".join(str(n) for n in padded))
    return lines


@quiz_app.command("board")
def board(quiz_id: str, url: UrlOption = DEFAULT_URL) -> None:
    """Print the latest leaderboard of QUIZ_ID: the top, my rank and score, and for its host the answers per choice."""
    found = _call(url, "GET", f"/v1/quizzes/{quiz_id}/board")
    choices = None
    if "counts" in found:  # the host: every question is readable
        quiz = _call(url, "GET", f"/v1/quizzes/{quiz_id}")
        choices = [len(question["choices"]) for question in quiz["questions"]]
    for line in board_lines(found, choices):
        typer.echo(line)
