"""The live leaderboard of one quiz: a sorted list of rank keys beside a dict of each player's key.

An update is a remove and an insert into the sorted list (O(log n) each, amortised), never a sort of every
player; the top N is a slice and a player's rank a bisection. The board lives in the quiz consumer's memory and
is rebuilt from the store's scores when the consumer starts (or first meets the quiz), so it survives restarts:
the store is written before the messages are acked, and the board is only ever set from what the store holds.
"""

from __future__ import annotations

from sortedcontainers import SortedList  # type: ignore[import-untyped]

from chatcluster.quiz.models import BoardEntry, PlayerScore
from chatcluster.quiz.rules import rank_key


class Leaderboard:
    def __init__(self) -> None:
        self._order: SortedList = SortedList()
        self._players: dict[int, PlayerScore] = {}

    def __len__(self) -> int:
        return len(self._players)

    def set(self, player: PlayerScore) -> bool:
        """Put a player at the standing the store holds; whether anything changed."""
        known = self._players.get(player.user_id)
        if known == player:
            return False
        if known is not None:
            self._order.remove(rank_key(known.score, known.reached_ms, known.user_id))
        self._players[player.user_id] = player
        self._order.add(rank_key(player.score, player.reached_ms, player.user_id))
        return True

    def player(self, user_id: int) -> PlayerScore | None:
        return self._players.get(user_id)

    def rank(self, user_id: int) -> int | None:
        """1 for the leader; None for someone who has not joined."""
        player = self._players.get(user_id)
        if player is None:
            return None
        return int(self._order.index(rank_key(player.score, player.reached_ms, player.user_id))) + 1

    def top(self, n: int) -> list[BoardEntry]:
        entries = []
        for position, key in enumerate(self._order[:n], start=1):
            player = self._players[key[2]]
            entries.append(
                BoardEntry(rank=position, user_id=player.user_id, username=player.username, score=player.score)
            )
        return entries

    def ranks(self) -> dict[str, tuple[int, int]]:
        """Every player's rank and score, in rank order (one pass over the sorted list)."""
        return {str(key[2]): (position, -key[0]) for position, key in enumerate(self._order, start=1)}
