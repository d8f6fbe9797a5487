"""The `Reactions` contract."""

from __future__ import annotations


class ReactionsContract:
    """What every back end's `Reactions` role does (issue 14: cases to come)."""
