"""The live quiz end to end on a real platform (nats-server, the gateway, the quiz scorer, the embedded store):
exact scores, ranks and tie-breaks, every bad input a 4xx with a sentence, live `quiz_board` frames at most every
500 ms per quiz whose last equals the final scores, and exact scores after a kill -9 of the quiz scorer."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import websockets

from chatcluster.client import ApiProblem, ChatClient
from chatcluster.gateway.security import hash_password, issue_access_token, new_refresh_token
from chatcluster.ids import SnowflakeGenerator
from chatcluster.models import User, UserSession
from chatcluster.store import open_store
from chatcluster.supervisor import Supervisor
from tests.conftest import ClientFactory, PlatformFactory
from tests.helpers import eventually

IN_FLIGHT = 100  # a crowd's requests at once

QUIZ = {
    "title": "Capitals",
    "speed_bonus": False,
    "questions": [
        {"text": "France?", "choices": ["Paris", "Lyon"], "correct": 0, "points": 100},
        {"text": "Spain?", "choices": ["Sevilla", "Madrid", "Bilbao"], "correct": 1, "points": 50},
    ],
}


async def problem(call: Any) -> tuple[int, str]:
    try:
        await call
    except ApiProblem as exc:
        return exc.status, exc.detail
    raise AssertionError("the call succeeded")


async def board_when(client: ChatClient, quiz_id: str, check: Any) -> dict[str, Any]:
    async def ready() -> dict[str, Any]:
        found: dict[str, Any] = await client.call("GET", f"/v1/quizzes/{quiz_id}/board")
        return found if check(found) else {}

    result: dict[str, Any] = await eventually(ready, timeout=20)
    return result


async def test_known_answers_give_exact_scores_ranks_and_ties_broken_by_who_reached_the_score_first(
    new_user: ClientFactory,
) -> None:
    host, ann, bob, cid = [await new_user() for _ in range(4)]
    quiz = await host.call("POST", "/v1/quizzes", json=QUIZ)
    quiz_id = quiz["quiz_id"]
    for player in (ann, bob, cid):
        assert (await player.call("POST", f"/v1/quizzes/{quiz_id}/join"))["accepted"] is True
    await ann.call("POST", f"/v1/quizzes/{quiz_id}/join")  # twice: still one player
    await host.call("POST", f"/v1/quizzes/{quiz_id}/start")

    answer = "/v1/quizzes/{}/questions/{}/answer"
    await bob.call("POST", answer.format(quiz_id, 0), json={"choice": 0, "key": "b0"})
    await asyncio.sleep(0.01)
    await ann.call("POST", answer.format(quiz_id, 0), json={"choice": 0, "key": "a0"})
    await cid.call("POST", answer.format(quiz_id, 0), json={"choice": 1, "key": "c0"})
    # A retry with the same key is the same answer; another answer is refused.
    assert (await ann.call("POST", answer.format(quiz_id, 0), json={"choice": 0, "key": "a0"}))["choice"] == 0
    status, detail = await problem(ann.call("POST", answer.format(quiz_id, 0), json={"choice": 1, "key": "other"}))
    assert (status, detail) == (409, "you have already answered question 0: one answer per question")
    # The correct answer stays hidden from players until the question closes.
    assert "correct" not in (await ann.call("GET", f"/v1/quizzes/{quiz_id}"))["questions"][0]

    await host.call("POST", f"/v1/quizzes/{quiz_id}/advance")
    assert (await ann.call("GET", f"/v1/quizzes/{quiz_id}"))["questions"][0]["correct"] == 0
    status, detail = await problem(cid.call("POST", answer.format(quiz_id, 0), json={"choice": 0}))
    assert status == 409
    await cid.call("POST", answer.format(quiz_id, 1), json={"choice": 1})
    await ann.call("POST", answer.format(quiz_id, 1), json={"choice": 2})
    await host.call("POST", f"/v1/quizzes/{quiz_id}/advance")  # past the last question: the end

    final = await board_when(ann, quiz_id, lambda b: b["answers"] == 5)
    assert [(e["username"], e["score"], e["rank"]) for e in final["top"]] == [
        (bob.username, 100, 1),  # reached 100 before ann did
        (ann.username, 100, 2),
        (cid.username, 50, 3),
    ]
    assert final["me"] == {"rank": 2, "score": 100}
    assert "counts" not in final
    assert (await host.call("GET", f"/v1/quizzes/{quiz_id}/board"))["counts"] == {"0": [2, 1], "1": [0, 1, 1]}
    stats = await ann.call("GET", f"/v1/quizzes/{quiz_id}/stats")
    assert [(q["per_choice"], q["right"]) for q in stats["questions"]] == [([2, 1], 2), ([0, 1, 1], 1)]
    assert stats["players"] == 3


async def test_every_bad_quiz_request_is_a_4xx_with_a_sentence(new_user: ClientFactory) -> None:
    host, player, stranger = await new_user(), await new_user(), await new_user()
    assert (await problem(host.call("POST", "/v1/quizzes", json={**QUIZ, "questions": []})))[0] == 422
    no_correct = {**QUIZ, "questions": [{"text": "?", "choices": ["a", "b"]}]}
    assert (await problem(host.call("POST", "/v1/quizzes", json=no_correct)))[0] == 422
    out_of_range = {**QUIZ, "questions": [{"text": "?", "choices": ["a", "b"], "correct": 2}]}
    status, detail = await problem(host.call("POST", "/v1/quizzes", json=out_of_range))
    assert status == 422 and "correct" in detail
    many = {**QUIZ, "questions": [QUIZ["questions"][0]] * 10_000}  # type: ignore[index]
    assert (await problem(host.call("POST", "/v1/quizzes", json=many)))[0] in (413, 422)
    assert (await problem(host.call("GET", "/v1/quizzes/123456")))[0] == 404

    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    waiting = await host.call("POST", "/v1/quizzes", json={**QUIZ, "available_from": later})
    status, detail = await problem(player.call("POST", f"/v1/quizzes/{waiting['quiz_id']}/join"))
    assert status == 409 and "opens for players" in detail

    quiz_id = (await host.call("POST", "/v1/quizzes", json=QUIZ))["quiz_id"]
    assert (await problem(stranger.call("PUT", f"/v1/quizzes/{quiz_id}", json=QUIZ)))[0] == 403
    await host.call("PUT", f"/v1/quizzes/{quiz_id}", json={**QUIZ, "title": "Capitals, edited"})
    await player.call("POST", f"/v1/quizzes/{quiz_id}/join")
    answer = f"/v1/quizzes/{quiz_id}/questions/0/answer"
    assert (await problem(player.call("POST", answer, json={"choice": 0})))[1] == "question 0 is not open yet"
    await host.call("POST", f"/v1/quizzes/{quiz_id}/start")
    status, detail = await problem(host.call("PUT", f"/v1/quizzes/{quiz_id}", json=QUIZ))
    assert (status, detail) == (409, "the quiz has started: it can no longer be edited")
    assert (await problem(stranger.call("POST", answer, json={"choice": 0})))[1] == "join the quiz before answering"
    assert (await problem(player.call("POST", answer, json={"choice": 5})))[0] == 422
    assert (await problem(player.call("POST", f"/v1/quizzes/{quiz_id}/questions/7/answer", json={"choice": 0})))[
        0
    ] == 404
    assert (await problem(stranger.call("GET", f"/v1/quizzes/{quiz_id}/stats")))[0] == 409
    await host.call("POST", f"/v1/quizzes/{quiz_id}/advance")
    await host.call("POST", f"/v1/quizzes/{quiz_id}/advance")
    assert (await problem(player.call("POST", answer, json={"choice": 0})))[0] == 409
    status, detail = await problem(stranger.call("POST", f"/v1/quizzes/{quiz_id}/join"))
    assert (status, detail) == (409, "the quiz has ended: it can no longer be joined")


async def provision(platform: Supervisor, count: int) -> list[tuple[int, str, str]]:
    """Players written into the store as sign-up writes them (one argon2 hash shared: hashing 1,000 passwords
    would take minutes of CPU), each with a session and an access token: (user id, name, token)."""
    settings = platform.settings
    store = await open_store(settings)
    secret = settings.resolved_token_secret()
    password_hash = hash_password("correct horse battery")
    ids = SnowflakeGenerator(worker_id=900)
    now = datetime.now(UTC)
    made = []
    try:
        for n in range(count):
            name = f"p{n}_{uuid.uuid4().hex[:6]}"
            user = User(user_id=ids.next_id(), username=name, password_hash=password_hash, created_at=now)
            await store.create_user(user)
            session_id = ids.next_id()
            await store.create_session(
                UserSession(
                    session_id=session_id,
                    user_id=user.user_id,
                    secret_hash=new_refresh_token(session_id)[1],
                    created_at=now,
                    last_used_at=now,
                    expires_at=now + timedelta(hours=1),
                    user_agent="quiz test",
                )
            )
            made.append((user.user_id, name, issue_access_token(user.user_id, session_id, secret, 3600)[0]))
    finally:
        await store.close()
    return made


async def watch(url: str, token: str, quiz_id: str, boards: list[tuple[float, dict[str, Any]]]) -> None:
    async with websockets.connect(f"{url}/v1/ws?token={token}") as ws:
        await ws.send(json.dumps({"type": "quiz_watch", "quiz_id": quiz_id}))
        async for raw in ws:
            frame = json.loads(raw)
            if frame["type"] == "quiz_board":
                boards.append((time.monotonic(), frame))


async def play(http: aiohttp.ClientSession, token: str, path: str, body: dict[str, Any] | None = None) -> None:
    """One player's request on the crowd's shared connection pool (aiohttp: a ChatClient per player would build
    1,000 TLS contexts, minutes of CPU, and httpx costs the crowd several times aiohttp's CPU per request)."""
    async with http.post(path, json=body, headers={"Authorization": f"Bearer {token}"}) as response:
        assert response.status == 202, await response.text()


async def run_crowd(platform: Supervisor, players: int, kill_midway: bool = False) -> None:
    url = platform.gateway_url
    made = await provision(platform, players + 1)
    tokens = [token for _, _, token in made[1:]]
    # Idle connections are dropped before uvicorn's 5 s keep-alive ends them under a request.
    pool = aiohttp.TCPConnector(limit=IN_FLIGHT, keepalive_timeout=2)
    async with ChatClient(url, token=made[0][2]) as host, aiohttp.ClientSession(url, connector=pool) as http:
        quiz_id = (await host.call("POST", "/v1/quizzes", json=QUIZ))["quiz_id"]
        limit = asyncio.Semaphore(IN_FLIGHT)

        async def join(token: str) -> None:
            async with limit:
                await play(http, token, f"/v1/quizzes/{quiz_id}/join")

        async def answer(token: str, n: int) -> None:
            body = {"choice": n % 2, "key": f"k{n}"}
            async with limit:
                await play(http, token, f"/v1/quizzes/{quiz_id}/questions/0/answer", body)
                if n % 3 == 0:  # a retried request with the same key
                    await play(http, token, f"/v1/quizzes/{quiz_id}/questions/0/answer", body)

        host_boards: list[tuple[float, dict[str, Any]]] = []
        player_boards: list[tuple[float, dict[str, Any]]] = []
        await asyncio.gather(*(join(token) for token in tokens))
        ws_url = url.replace("http://", "ws://")
        watchers = [
            asyncio.create_task(watch(ws_url, made[0][2], quiz_id, host_boards)),
            asyncio.create_task(watch(ws_url, made[1][2], quiz_id, player_boards)),
        ]
        await host.call("POST", f"/v1/quizzes/{quiz_id}/start")
        crowd = asyncio.gather(*(answer(token, n) for n, token in enumerate(tokens)))
        if kill_midway:
            await asyncio.sleep(0.5)
            await platform.kill("quiz-scorer")
            await crowd
            await platform.restart("quiz-scorer")
        else:
            await crowd

        right = sum(1 for n in range(players) if n % 2 == 0)
        final = await board_when(host, quiz_id, lambda b: b["answers"] == players)
        assert final["players"] == players
        assert final["counts"] == {"0": [right, players - right]}
        stats = await host.call("GET", f"/v1/quizzes/{quiz_id}/stats")
        scores = {s["user_id"]: s["score"] for s in stats["scores"]}
        for n, (user_id, _, _) in enumerate(made[1:]):
            assert scores[str(user_id)] == (100 if n % 2 == 0 else 0)
        await asyncio.sleep(1.2)  # any board still on its way
        for task in watchers:
            task.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)
        for boards in (host_boards, player_boards):
            assert boards, "no quiz_board frame arrived"
            gaps = [b[1]["at_ms"] - a[1]["at_ms"] for a, b in itertools.pairwise(boards)]
            assert all(gap >= 450 for gap in gaps), f"boards closer than 500 ms: {min(gaps)} ms"
            assert boards[-1][1]["answers"] == players
        assert player_boards[-1][1]["me"]["score"] == 100
        assert host_boards[-1][1]["top"] == final["top"]


async def test_a_thousand_players_answer_at_once_and_each_answer_counts_once_on_boards_at_most_twice_a_second(
    shared_platform: Supervisor,
) -> None:
    await run_crowd(shared_platform, 1000)


async def test_scores_are_exact_after_the_quiz_scorer_is_killed_mid_quiz(start_platform: PlatformFactory) -> None:
    platform = await start_platform()
    await run_crowd(platform, 300, kill_midway=True)
