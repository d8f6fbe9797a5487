"""`/v1/quizzes`: create, edit (until started), start and advance a quiz; join, answer, the board, the statistics.
Joins and answers are answered 202 once JetStream holds them; the quiz scorer scores them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from chatcluster.gateway import quiz
from chatcluster.gateway.deps import CurrentUser, GatewayDep
from chatcluster.gateway.errors import SIGNED_IN, error_responses
from chatcluster.gateway.quiz import Accepted, AnswerIn, now_ms, quiz_out
from chatcluster.models import Snowflake
from chatcluster.quiz.models import QuizDraft

router = APIRouter(prefix="/v1/quizzes", tags=["quizzes"], responses=error_responses(*SIGNED_IN, 403, 404, 409))


@router.post("", status_code=201)
async def create(body: QuizDraft, user: CurrentUser, gw: GatewayDep) -> dict[str, Any]:
    """Create a quiz; I am its host. Questions have 2 to 6 choices and one correct answer (0-based `correct`)."""
    return quiz_out(await quiz.create(gw, user, body), user, now_ms())


@router.get("/{quiz_id}")
async def read(quiz_id: Snowflake, user: CurrentUser, gw: GatewayDep) -> dict[str, Any]:
    """The quiz: everything for its host; for anyone else the questions opened so far, each correct answer only once
    its question has closed."""
    return quiz_out(await quiz.get_quiz(gw, quiz_id), user, now_ms())


@router.put("/{quiz_id}")
async def edit(quiz_id: Snowflake, body: QuizDraft, user: CurrentUser, gw: GatewayDep) -> dict[str, Any]:
    """Replace the quiz's title and questions (its host, until it starts)."""
    return quiz_out(await quiz.edit(gw, user, quiz_id, body), user, now_ms())


@router.post("/{quiz_id}/start")
async def start(quiz_id: Snowflake, user: CurrentUser, gw: GatewayDep) -> dict[str, Any]:
    """Open the first question (its host). A quiz attached to a room says so in the room."""
    return quiz_out(await quiz.start(gw, user, quiz_id), user, now_ms())


@router.post("/{quiz_id}/advance")
async def advance(quiz_id: Snowflake, user: CurrentUser, gw: GatewayDep) -> dict[str, Any]:
    """Close the open question and open the next; after the last one the quiz ends (its host)."""
    return quiz_out(await quiz.advance(gw, user, quiz_id), user, now_ms())


@router.post("/{quiz_id}/join", status_code=202)
async def join(quiz_id: Snowflake, user: CurrentUser, gw: GatewayDep) -> Accepted:
    """Join as a player, from its available-from time until it ends; joining twice changes nothing."""
    return await quiz.join(gw, user, quiz_id)


@router.post("/{quiz_id}/questions/{question}/answer", status_code=202)
async def answer(quiz_id: Snowflake, question: int, body: AnswerIn, user: CurrentUser, gw: GatewayDep) -> Accepted:
    """Answer the open question, once: a retry with the same `key` gets the same answer, another answer a 409."""
    return await quiz.answer(gw, user, quiz_id, question, body)


@router.get("/{quiz_id}/board")
async def board(quiz_id: Snowflake, user: CurrentUser, gw: GatewayDep) -> dict[str, Any]:
    """The latest board: the top, my rank and score (answers per choice for the host), and where the quiz is."""
    return await quiz.board(gw, user, quiz_id)


@router.get("/{quiz_id}/stats")
async def stats(quiz_id: Snowflake, user: CurrentUser, gw: GatewayDep) -> dict[str, Any]:
    """The final board and per-question statistics, once the quiz has ended (its host at any time)."""
    return await quiz.stats(gw, user, quiz_id)
