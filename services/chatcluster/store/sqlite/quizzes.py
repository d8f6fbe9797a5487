"""Quizzes in SQLite (the `Quizzes` role): a batch's joins, answers and scores in one transaction, where the
answer's row is the mark that its points were added."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from chatcluster.quiz.models import PlayerScore, Quiz, QuizJoinEvent, ScoredAnswer, StoredAnswer
from chatcluster.store.base import QuizApplied
from chatcluster.store.sqlite.connection import SqliteConnection


def _player(row: sqlite3.Row) -> PlayerScore:
    return PlayerScore(
        user_id=row["user_id"],
        username=row["username"],
        score=row["score"],
        reached_ms=row["reached_ms"],
        answered=row["answered"],
    )


class SqliteQuizzes(SqliteConnection):
    async def create_quiz(self, quiz: Quiz) -> None:
        async with self._write() as db:
            await db.execute(
                "INSERT INTO quizzes VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (quiz.quiz_id, quiz.model_dump_json(), quiz.version),
            )

    async def get_quiz(self, quiz_id: int) -> Quiz | None:
        row = await self._one("SELECT body FROM quizzes WHERE quiz_id = ?", (quiz_id,))
        return None if row is None else Quiz.model_validate_json(row["body"])

    async def replace_quiz(self, quiz: Quiz) -> bool:
        async with self._write() as db:
            cur = await db.execute(
                "UPDATE quizzes SET body = ?, version = ? WHERE quiz_id = ? AND version = ?",
                (quiz.model_dump_json(), quiz.version, quiz.quiz_id, quiz.version - 1),
            )
            return cur.rowcount == 1

    async def apply_quiz(self, joins: Sequence[QuizJoinEvent], answers: Sequence[ScoredAnswer]) -> QuizApplied:
        touched: dict[tuple[int, int], None] = {}
        joined = applied = 0
        async with self._write() as db:
            for join in joins:
                cur = await db.execute(
                    "INSERT INTO quiz_players VALUES (?, ?, ?, 0, ?, 0) ON CONFLICT DO NOTHING",
                    (join.quiz_id, join.user_id, join.username, join.joined_ms),
                )
                joined += cur.rowcount
                touched[(join.quiz_id, join.user_id)] = None
            for scored in answers:
                a = scored.answer
                touched[(a.quiz_id, a.user_id)] = None
                cur = await db.execute(
                    "INSERT INTO quiz_answers VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (a.quiz_id, a.question, a.user_id, a.choice, scored.points, a.answered_ms, a.key),
                )
                if cur.rowcount != 1:
                    continue  # answered before: counted then, or a second answer that never counts
                applied += 1
                # An answer whose join is not stored yet (a redelivery out of order) joins the player.
                await db.execute(
                    "INSERT INTO quiz_players VALUES (?, ?, ?, 0, ?, 0) ON CONFLICT DO NOTHING",
                    (a.quiz_id, a.user_id, a.username, a.answered_ms),
                )
                await db.execute(
                    "UPDATE quiz_players SET score = score + ?, answered = answered + 1, "
                    "reached_ms = CASE WHEN ? > 0 THEN ? ELSE reached_ms END WHERE quiz_id = ? AND user_id = ?",
                    (scored.points, scored.points, a.answered_ms, a.quiz_id, a.user_id),
                )
            players = []
            for quiz_id, user_id in touched:
                async with db.execute(
                    "SELECT * FROM quiz_players WHERE quiz_id = ? AND user_id = ?", (quiz_id, user_id)
                ) as cur:
                    row = await cur.fetchone()
                if row is not None:
                    players.append((quiz_id, _player(row)))
        return QuizApplied(players=players, joins=joined, answers=applied)

    async def quiz_player(self, quiz_id: int, user_id: int) -> PlayerScore | None:
        row = await self._one("SELECT * FROM quiz_players WHERE quiz_id = ? AND user_id = ?", (quiz_id, user_id))
        return None if row is None else _player(row)

    async def quiz_answer(self, quiz_id: int, question: int, user_id: int) -> StoredAnswer | None:
        row = await self._one(
            "SELECT question, choice, points, key FROM quiz_answers WHERE quiz_id = ? AND question = ? AND user_id = ?",
            (quiz_id, question, user_id),
        )
        if row is None:
            return None
        return StoredAnswer(question=row["question"], choice=row["choice"], points=row["points"], key=row["key"])

    async def quiz_scores(self, quiz_id: int) -> list[PlayerScore]:
        return [_player(row) for row in await self._all("SELECT * FROM quiz_players WHERE quiz_id = ?", (quiz_id,))]

    async def quiz_counts(self, quiz_id: int) -> dict[int, dict[int, int]]:
        counts: dict[int, dict[int, int]] = {}
        for row in await self._all(
            "SELECT question, choice, COUNT(*) AS n FROM quiz_answers WHERE quiz_id = ? GROUP BY question, choice",
            (quiz_id,),
        ):
            counts.setdefault(row["question"], {})[row["choice"]] = row["n"]
        return counts
