"""The `Quizzes` contract: quizzes compare-and-set on their version, joins once, one answer per question and
player, its points added in the same step that records it."""

from __future__ import annotations

from chatcluster.ids import SnowflakeGenerator
from chatcluster.quiz.models import (
    PlayerScore,
    Question,
    Quiz,
    QuizAnswerEvent,
    QuizDraft,
    QuizJoinEvent,
    QuizState,
    ScoredAnswer,
    StoredAnswer,
)
from chatcluster.store.base import Quizzes
from tests.contract.builders import ORIGIN_MS, ContractCase

DRAFT = QuizDraft(
    title="Capitals",
    questions=[
        Question(text="France?", choices=["Paris", "Lyon"], correct=0),
        Question(text="Spain?", choices=["Sevilla", "Madrid", "Bilbao"], correct=1, points=50),
    ],
)


def quiz(ids: SnowflakeGenerator) -> Quiz:
    return Quiz(quiz_id=ids.next_id(), host_id=1, host_name="host", draft=DRAFT)


def join(quiz_id: int, user_id: int, ms: int = ORIGIN_MS) -> QuizJoinEvent:
    return QuizJoinEvent(quiz_id=quiz_id, user_id=user_id, username=f"player{user_id}", joined_ms=ms)


def answer(quiz_id: int, user_id: int, question: int, points: int, ms: int, key: str = "k") -> ScoredAnswer:
    event = QuizAnswerEvent(
        quiz_id=quiz_id,
        question=question,
        user_id=user_id,
        username=f"player{user_id}",
        choice=0 if points else 1,
        key=key,
        answered_ms=ms,
        elapsed_ms=ms - ORIGIN_MS,
    )
    return ScoredAnswer(answer=event, points=points)


class QuizzesContract(ContractCase):
    async def test_a_created_quiz_reads_back_and_changes_only_from_the_version_it_was_read_at(
        self, store: Quizzes, ids: SnowflakeGenerator
    ) -> None:
        created = quiz(ids)
        await store.create_quiz(created)
        assert await store.get_quiz(created.quiz_id) == created

        started = created.model_copy(update={"state": QuizState.RUNNING, "current": 0, "version": 2})
        assert await store.replace_quiz(started) is True
        assert await store.replace_quiz(started) is False  # a second writer read version 1 too
        assert await store.get_quiz(created.quiz_id) == started
        assert await store.get_quiz(ids.next_id()) is None

    async def test_joining_twice_joins_once_on_zero_points(self, store: Quizzes, ids: SnowflakeGenerator) -> None:
        quiz_id = ids.next_id()
        first = await store.apply_quiz([join(quiz_id, 7)], [])
        again = await store.apply_quiz([join(quiz_id, 7, ORIGIN_MS + 5)], [])

        assert (first.joins, again.joins) == (1, 0)
        expected = PlayerScore(user_id=7, username="player7", score=0, reached_ms=ORIGIN_MS, answered=0)
        assert again.players == [(quiz_id, expected)]
        assert await store.quiz_scores(quiz_id) == [expected]

    async def test_an_answer_adds_its_points_once_however_often_it_is_applied(
        self, store: Quizzes, ids: SnowflakeGenerator
    ) -> None:
        quiz_id = ids.next_id()
        await store.apply_quiz([join(quiz_id, 7)], [])
        right = answer(quiz_id, 7, 0, 120, ORIGIN_MS + 900)

        first = await store.apply_quiz([], [right])
        redelivered = await store.apply_quiz([join(quiz_id, 7)], [right, right])

        assert (first.answers, redelivered.answers) == (1, 0)
        expected = PlayerScore(user_id=7, username="player7", score=120, reached_ms=ORIGIN_MS + 900, answered=1)
        assert redelivered.players == [(quiz_id, expected)]
        assert await store.quiz_player(quiz_id, 7) == expected
        assert await store.quiz_answer(quiz_id, 0, 7) == StoredAnswer(question=0, choice=0, points=120, key="k")
        assert await store.quiz_answer(quiz_id, 1, 7) is None

    async def test_a_second_answer_to_a_question_with_another_key_never_counts(
        self, store: Quizzes, ids: SnowflakeGenerator
    ) -> None:
        quiz_id = ids.next_id()
        await store.apply_quiz([join(quiz_id, 7)], [answer(quiz_id, 7, 0, 0, ORIGIN_MS + 10, key="first")])

        later = await store.apply_quiz([], [answer(quiz_id, 7, 0, 100, ORIGIN_MS + 20, key="second")])

        assert later.answers == 0
        assert await store.quiz_player(quiz_id, 7) == PlayerScore(
            user_id=7, username="player7", score=0, reached_ms=ORIGIN_MS, answered=1
        )
        assert await store.quiz_counts(quiz_id) == {0: {1: 1}}

    async def test_scores_add_up_and_a_wrong_answer_keeps_the_time_the_score_was_reached(
        self, store: Quizzes, ids: SnowflakeGenerator
    ) -> None:
        quiz_id = ids.next_id()
        await store.apply_quiz(
            [join(quiz_id, 7), join(quiz_id, 8)],
            [answer(quiz_id, 7, 0, 100, ORIGIN_MS + 10), answer(quiz_id, 8, 0, 0, ORIGIN_MS + 11)],
        )
        await store.apply_quiz(
            [], [answer(quiz_id, 7, 1, 0, ORIGIN_MS + 30), answer(quiz_id, 8, 1, 50, ORIGIN_MS + 31)]
        )

        scores = sorted(await store.quiz_scores(quiz_id), key=lambda p: p.user_id)
        assert scores == [
            PlayerScore(user_id=7, username="player7", score=100, reached_ms=ORIGIN_MS + 10, answered=2),
            PlayerScore(user_id=8, username="player8", score=50, reached_ms=ORIGIN_MS + 31, answered=2),
        ]
        assert await store.quiz_counts(quiz_id) == {0: {0: 1, 1: 1}, 1: {0: 1, 1: 1}}
        assert await store.quiz_scores(ids.next_id()) == []

    async def test_an_answer_applied_before_its_join_joins_the_player(
        self, store: Quizzes, ids: SnowflakeGenerator
    ) -> None:
        quiz_id = ids.next_id()
        await store.apply_quiz([], [answer(quiz_id, 9, 0, 100, ORIGIN_MS + 40)])
        await store.apply_quiz([join(quiz_id, 9, ORIGIN_MS + 1)], [])

        assert await store.quiz_player(quiz_id, 9) == PlayerScore(
            user_id=9, username="player9", score=100, reached_ms=ORIGIN_MS + 40, answered=1
        )
