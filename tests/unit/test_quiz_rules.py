"""The quiz's pure parts: where a running quiz stands, what an answer scores, what a player may see, the sorted
leaderboard (ranks, tie-breaks, top N, one player's rank) and the relay's one-board-per-snapshot rule."""

from __future__ import annotations

import json

from chatcluster.gateway.hub import Connection
from chatcluster.gateway.quizrelay import MAX_KNOWN_PLAYERS, QuizRelay, personal_board
from chatcluster.quiz.leaderboard import Leaderboard
from chatcluster.quiz.models import PlayerScore, Question, Quiz, QuizDraft, QuizState
from chatcluster.quiz.rules import is_closed, points_for, progress, question_view, rank_key

OPEN_MS = 1_000_000


def question(points: int = 100, limit: int | None = None) -> Question:
    return Question(text="?", choices=["a", "b", "c"], correct=1, points=points, time_limit_seconds=limit)


def quiz(*limits: int | None, state: QuizState = QuizState.RUNNING, current: int = 0) -> Quiz:
    draft = QuizDraft(title="t", questions=[question(limit=limit) for limit in limits])
    return Quiz(quiz_id=7, host_id=1, host_name="host", draft=draft, state=state, current=current, opened_ms=OPEN_MS)


def player(user_id: int, score: int, reached_ms: int) -> PlayerScore:
    return PlayerScore(user_id=user_id, username=f"u{user_id}", score=score, reached_ms=reached_ms)


def test_a_draft_quiz_has_no_open_question() -> None:
    where = progress(quiz(None, state=QuizState.DRAFT, current=-1), OPEN_MS)
    assert (where.question, where.ended, where.is_open(0)) == (-1, False, False)


def test_an_untimed_question_stays_open_until_the_host_advances() -> None:
    where = progress(quiz(None, None), OPEN_MS + 10**9)
    assert (where.question, where.closes_ms, where.ended) == (0, None, False)
    assert where.is_open(0) and not where.is_open(1)


def test_timed_questions_close_by_themselves_and_the_next_opens_at_that_moment() -> None:
    running = quiz(10, 20)
    assert progress(running, OPEN_MS + 9_999).question == 0
    second = progress(running, OPEN_MS + 10_000)
    assert (second.question, second.opened_ms, second.closes_ms) == (1, OPEN_MS + 10_000, OPEN_MS + 30_000)
    over = progress(running, OPEN_MS + 30_000)
    assert (over.ended, over.ended_ms, over.is_open(1)) == (True, OPEN_MS + 30_000, False)


def test_a_timed_question_followed_by_an_untimed_one_waits_for_the_host_there() -> None:
    where = progress(quiz(5, None), OPEN_MS + 3_600_000)
    assert (where.question, where.opened_ms, where.ended) == (1, OPEN_MS + 5_000, False)


def test_a_question_closes_when_a_later_one_opens_or_the_quiz_ends() -> None:
    running = quiz(10, None)
    assert not is_closed(running, 0, OPEN_MS + 1)
    assert is_closed(running, 0, OPEN_MS + 10_000)
    assert not is_closed(running, 1, OPEN_MS + 10_000)
    ended = running.model_copy(update={"state": QuizState.ENDED, "current": 1, "ended_ms": OPEN_MS + 20_000})
    assert is_closed(ended, 1, OPEN_MS)


def test_a_wrong_answer_scores_nothing_and_a_right_one_its_points_without_a_time_limit() -> None:
    assert points_for(question(), 0, 0, speed_bonus=True) == 0
    assert points_for(question(), 1, 123_456, speed_bonus=True) == 100


def test_the_speed_bonus_adds_up_to_half_the_points_in_proportion_to_the_time_left() -> None:
    timed = question(points=100, limit=10)
    assert points_for(timed, 1, 0, speed_bonus=True) == 150
    assert points_for(timed, 1, 5_000, speed_bonus=True) == 125
    assert points_for(timed, 1, 9_999, speed_bonus=True) == 100  # 100 * 1 // 20000 rounds down
    assert points_for(timed, 1, 60_000, speed_bonus=True) == 100  # late (a clock skew): never below the points
    assert points_for(timed, 1, 0, speed_bonus=False) == 100
    assert points_for(timed, 2, 0, speed_bonus=True) == 0


def test_rank_keys_sort_the_higher_score_first_then_who_reached_it_first_then_the_lower_user_id() -> None:
    keys = [rank_key(100, 50, 3), rank_key(200, 90, 9), rank_key(100, 40, 8), rank_key(100, 40, 2)]
    assert sorted(keys) == [rank_key(200, 90, 9), rank_key(100, 40, 2), rank_key(100, 40, 8), rank_key(100, 50, 3)]


def test_players_see_the_correct_choice_only_once_the_question_has_closed_and_the_host_always() -> None:
    running = quiz(10, 10)
    assert "correct" not in question_view(running, 0, OPEN_MS + 1, host=False)
    assert question_view(running, 0, OPEN_MS + 1, host=True)["correct"] == 1
    assert question_view(running, 0, OPEN_MS + 10_000, host=False)["correct"] == 1


def test_the_leaderboard_ranks_by_score_then_by_who_reached_it_first() -> None:
    board = Leaderboard()
    for standing in (player(1, 100, 30), player(2, 100, 20), player(3, 50, 10), player(4, 0, 5)):
        assert board.set(standing)
    assert [(e.rank, e.user_id, e.score) for e in board.top(10)] == [(1, 2, 100), (2, 1, 100), (3, 3, 50), (4, 4, 0)]
    assert [board.rank(u) for u in (1, 2, 3, 4)] == [2, 1, 3, 4]
    assert board.rank(99) is None and board.player(99) is None
    assert board.ranks() == {"2": (1, 100), "1": (2, 100), "3": (3, 50), "4": (4, 0)}
    assert len(board) == 4


def test_the_leaderboard_moves_a_player_whose_standing_changed_and_reports_no_change_otherwise() -> None:
    board = Leaderboard()
    board.set(player(1, 100, 30))
    board.set(player(2, 50, 20))
    assert not board.set(player(1, 100, 30))
    assert board.set(player(2, 150, 40))
    assert [e.user_id for e in board.top(10)] == [2, 1]
    assert len(board) == 2 and board.player(2) == player(2, 150, 40)


def test_the_top_n_of_a_large_board_is_its_first_n_and_any_player_has_a_rank() -> None:
    board = Leaderboard()
    for user_id in range(1, 2001):
        board.set(player(user_id, (user_id % 100) * 10, user_id))
    top = board.top(3)
    assert [(e.user_id, e.score) for e in top] == [(99, 990), (199, 990), (299, 990)]
    assert board.rank(1) == 20 * 98 + 1  # 98 scores above 10, 20 players each, and 1 is the first to reach 10
    assert len(board.top(10_000)) == 2000


def test_a_watcher_gets_each_board_once_and_never_an_older_one() -> None:
    relay = QuizRelay(nc=None)  # type: ignore[arg-type]  # offer_board touches no connection
    conn = Connection(5, max_frames=10, max_bytes=1 << 20)
    snapshot = {"quiz_id": "7", "seq": 2, "at_ms": 2000, "players": 1, "answers": 1, "top": [], "ranks": {}}
    relay.offer_board(conn, snapshot, host=False)
    relay.offer_board(conn, snapshot, host=False)  # the bucket's board and the same board arriving live
    relay.offer_board(conn, {**snapshot, "seq": 1, "at_ms": 1500}, host=False)
    relay.offer_board(conn, {**snapshot, "seq": 3, "at_ms": 2500}, host=False)
    sent = [json.loads(item.frame)["seq"] for item in conn._queue]
    assert sent == [2, 3]


def test_a_players_board_frame_carries_their_rank_and_only_the_host_gets_the_counts() -> None:
    snapshot = {"quiz_id": "7", "seq": 1, "at_ms": 1, "players": 2, "answers": 1, "top": []}
    snapshot |= {"ranks": {"5": (2, 40)}, "counts": {"0": [1, 0]}}
    mine = personal_board(snapshot, 5, host=False)
    assert mine["me"] == {"rank": 2, "score": 40} and "counts" not in mine
    hosts = personal_board(snapshot, 9, host=True)
    assert (hosts["me"], hosts["counts"]) == (None, {"0": [1, 0]})


def test_a_gateway_remembers_who_joined_a_quiz_and_starts_afresh_past_its_bound() -> None:
    relay = QuizRelay(nc=None)  # type: ignore[arg-type]
    relay.remember_player(7, 5)
    assert relay.known_player(7, 5) and not relay.known_player(7, 6) and not relay.known_player(8, 5)
    for user_id in range(MAX_KNOWN_PLAYERS):
        relay.remember_player(9, user_id)
    relay.remember_player(9, -1)
    assert relay.known_player(9, -1) and not relay.known_player(7, 5)
