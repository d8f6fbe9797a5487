"""Quizzes in Cassandra (the `Quizzes` role).

A player's row and answers share one partition (quiz, user), so recording an answer and adding its points is one
conditional batch: the answer inserted IF NOT EXISTS and the player's row updated IF its answer count is still what
was read. Both apply or neither, so a redelivery or a consumer killed mid-batch never counts an answer twice. The
answers of one player are worked through one after another; different players at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from cassandra import ConsistencyLevel
from cassandra.query import BatchStatement

from chatcluster.quiz.models import PlayerScore, Quiz, QuizJoinEvent, ScoredAnswer, StoredAnswer
from chatcluster.store.base import QuizApplied
from chatcluster.store.cassandra.connection import CassandraConnection

PLAYER_ROW = -1
_SELECT_PLAYER = (
    "SELECT user_id, username, score, reached_ms, answered FROM quiz_entries "
    "WHERE quiz_id = ? AND user_id = ? AND question = -1"
)
_SELECT_ANSWER = "SELECT choice, points, key FROM quiz_entries WHERE quiz_id = ? AND user_id = ? AND question = ?"
_JOIN = (
    "INSERT INTO quiz_entries (quiz_id, user_id, question, username, score, reached_ms, answered) "
    "VALUES (?, ?, -1, ?, 0, ?, 0) IF NOT EXISTS"
)
_INSERT_ANSWER = (
    "INSERT INTO quiz_entries (quiz_id, user_id, question, choice, points, answered_ms, key) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS"
)
_ADD_POINTS = (
    "UPDATE quiz_entries SET score = ?, reached_ms = ?, answered = ? "
    "WHERE quiz_id = ? AND user_id = ? AND question = -1 IF answered = ?"
)


def _player(row: Any) -> PlayerScore:
    return PlayerScore(
        user_id=row.user_id, username=row.username, score=row.score, reached_ms=row.reached_ms, answered=row.answered
    )


class CassandraQuizzes(CassandraConnection):
    async def create_quiz(self, quiz: Quiz) -> None:
        await self._q(
            "INSERT INTO quizzes (quiz_id, body, version) VALUES (?, ?, ?) IF NOT EXISTS",
            quiz.quiz_id,
            quiz.model_dump_json(),
            quiz.version,
        )

    async def get_quiz(self, quiz_id: int) -> Quiz | None:
        rows = await self._q("SELECT body FROM quizzes WHERE quiz_id = ?", quiz_id)
        return Quiz.model_validate_json(rows[0].body) if rows else None

    async def replace_quiz(self, quiz: Quiz) -> bool:
        rows = await self._q(
            "UPDATE quizzes SET body = ?, version = ? WHERE quiz_id = ? IF version = ?",
            quiz.model_dump_json(),
            quiz.version,
            quiz.quiz_id,
            quiz.version - 1,
        )
        return bool(rows[0][0])

    async def _serial(self, cql: str, *params: Any) -> list[Any]:
        """A read that sees every conditional write decided so far (the compare-and-set loop reads this way)."""
        bound = self._prepared(cql).bind(params)
        bound.consistency_level = ConsistencyLevel.LOCAL_SERIAL
        async with self._window:
            return await self._run(bound)

    async def _join(self, join: QuizJoinEvent) -> bool:
        claimed = await self._q(_JOIN, join.quiz_id, join.user_id, join.username, join.joined_ms)
        await self._q("INSERT INTO quiz_players (quiz_id, user_id) VALUES (?, ?)", join.quiz_id, join.user_id)
        return bool(claimed[0][0])

    async def _answer(self, scored: ScoredAnswer) -> bool:
        """Record one answer and its points; True when this call recorded it."""
        a = scored.answer
        while True:
            answer = await self._serial(_SELECT_ANSWER, a.quiz_id, a.user_id, a.question)
            if answer:
                if answer[0].key == a.key:  # recorded before (maybe by a consumer that died before its ack)
                    await self._count_choice(scored)
                return False
            player = await self._serial(_SELECT_PLAYER, a.quiz_id, a.user_id)
            if not player:
                joined = QuizJoinEvent(
                    quiz_id=a.quiz_id, user_id=a.user_id, username=a.username, joined_ms=a.answered_ms
                )
                await self._join(joined)
                continue
            now = _player(player[0])
            batch = BatchStatement(consistency_level=self.config.consistency)
            batch.serial_consistency_level = ConsistencyLevel.LOCAL_SERIAL
            batch.add(
                self._prepared(_INSERT_ANSWER),
                (a.quiz_id, a.user_id, a.question, a.choice, scored.points, a.answered_ms, a.key),
            )
            batch.add(
                self._prepared(_ADD_POINTS),
                (
                    now.score + scored.points,
                    a.answered_ms if scored.points > 0 else now.reached_ms,
                    now.answered + 1,
                    a.quiz_id,
                    a.user_id,
                    now.answered,
                ),
            )
            async with self._window:
                result = await self._run(batch)
            if result and result[0][0]:
                await self._count_choice(scored)
                return True
            # Another write came first (a second consumer, a retried batch): read again and decide again.

    async def _count_choice(self, scored: ScoredAnswer) -> None:
        a = scored.answer
        await self._q(
            "INSERT INTO quiz_choices (quiz_id, question, choice, user_id) VALUES (?, ?, ?, ?)",
            a.quiz_id,
            a.question,
            a.choice,
            a.user_id,
        )

    async def apply_quiz(self, joins: Sequence[QuizJoinEvent], answers: Sequence[ScoredAnswer]) -> QuizApplied:
        joined = sum(await self._many(self._join(join) for join in joins))
        by_player: dict[tuple[int, int], list[ScoredAnswer]] = {}
        for join in joins:
            by_player.setdefault((join.quiz_id, join.user_id), [])
        for scored in answers:
            by_player.setdefault((scored.answer.quiz_id, scored.answer.user_id), []).append(scored)

        async def one_player(items: list[ScoredAnswer]) -> int:
            return sum([await self._answer(item) for item in items])

        applied = sum(await asyncio.gather(*(one_player(items) for items in by_player.values())))
        found = await self._many(self.quiz_player(quiz_id, user_id) for quiz_id, user_id in by_player)
        players = [(quiz_id, p) for (quiz_id, _), p in zip(by_player, found, strict=True) if p is not None]
        return QuizApplied(players=players, joins=joined, answers=applied)

    async def quiz_player(self, quiz_id: int, user_id: int) -> PlayerScore | None:
        rows = await self._serial(_SELECT_PLAYER, quiz_id, user_id)
        return _player(rows[0]) if rows else None

    async def quiz_answer(self, quiz_id: int, question: int, user_id: int) -> StoredAnswer | None:
        rows = await self._q(_SELECT_ANSWER, quiz_id, user_id, question)
        if not rows:
            return None
        return StoredAnswer(question=question, choice=rows[0].choice, points=rows[0].points, key=rows[0].key)

    async def quiz_scores(self, quiz_id: int) -> list[PlayerScore]:
        ids = [row.user_id for row in await self._q("SELECT user_id FROM quiz_players WHERE quiz_id = ?", quiz_id)]
        rows = await self._many(self._q(_SELECT_PLAYER, quiz_id, user_id) for user_id in ids)
        return [_player(found[0]) for found in rows if found]

    async def quiz_counts(self, quiz_id: int) -> dict[int, dict[int, int]]:
        counts: dict[int, dict[int, int]] = {}
        rows = await self._q(
            "SELECT question, choice, COUNT(*) AS n FROM quiz_choices WHERE quiz_id = ? GROUP BY question, choice",
            quiz_id,
        )
        for row in rows:
            counts.setdefault(row.question, {})[row.choice] = row.n
        return counts
