"""The quiz's decisions, without I/O: where a running quiz is now, what an answer scores, who may do what.

Scoring: a correct answer earns the question's points; on a timed question with the speed bonus on it earns up to
half as much again, in proportion to the time left: `points + points * (limit - elapsed) // (2 * limit)`. A wrong
answer earns nothing. Ties are broken by who reached the score first (the time of the answer that brought the player
to it; a player still on 0 reached it when joining), then by user id.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatcluster.quiz.models import Question, Quiz, QuizState


@dataclass(frozen=True)
class Progress:
    """Where a quiz stands at a moment: the open question (-1 before the start) and since when, when it closes
    (None: when the host advances), and whether the quiz is over."""

    question: int
    opened_ms: int
    closes_ms: int | None
    ended: bool
    ended_ms: int | None = None

    def is_open(self, question: int) -> bool:
        return not self.ended and question == self.question and self.question >= 0


def progress(quiz: Quiz, now_ms: int) -> Progress:
    """Timed questions close by themselves and the next opens at that moment; past the last one the quiz ends."""
    if quiz.state is QuizState.DRAFT:
        return Progress(-1, 0, None, ended=False)
    if quiz.state is QuizState.ENDED:
        return Progress(quiz.current, quiz.opened_ms, None, ended=True, ended_ms=quiz.ended_ms)
    questions = quiz.draft.questions
    index, opened = quiz.current, quiz.opened_ms
    while True:
        limit = questions[index].time_limit_seconds
        if limit is None:
            return Progress(index, opened, None, ended=False)
        closes = opened + limit * 1000
        if now_ms < closes:
            return Progress(index, opened, closes, ended=False)
        if index + 1 >= len(questions):
            return Progress(index, opened, closes, ended=True, ended_ms=closes)
        index, opened = index + 1, closes


def is_closed(quiz: Quiz, question: int, now_ms: int) -> bool:
    """Whether `question` has closed: its correct answer may be shown to players from then on."""
    where = progress(quiz, now_ms)
    return where.ended or question < where.question


def points_for(question: Question, choice: int, elapsed_ms: int, speed_bonus: bool) -> int:
    if choice != question.correct:
        return 0
    limit = question.time_limit_seconds
    if not speed_bonus or limit is None:
        return question.points
    limit_ms = limit * 1000
    left = max(0, limit_ms - min(elapsed_ms, limit_ms))
    return question.points + question.points * left // (2 * limit_ms)


def rank_key(score: int, reached_ms: int, user_id: int) -> tuple[int, int, int]:
    """Sorts best first: the higher score, then the earlier time it was reached, then the lower user id."""
    return (-score, reached_ms, user_id)


def question_view(quiz: Quiz, index: int, now_ms: int, *, host: bool) -> dict[str, object]:
    """A question as a player may see it: the correct choice only once it has closed (the host always sees it)."""
    question = quiz.draft.questions[index]
    shown: dict[str, object] = {
        "index": index,
        "text": question.text,
        "choices": list(question.choices),
        "points": question.points,
        "time_limit_seconds": question.time_limit_seconds,
    }
    if host or is_closed(quiz, index, now_ms):
        shown["correct"] = question.correct
    return shown
