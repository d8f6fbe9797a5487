"""The `Pins` contract."""

from __future__ import annotations


class PinsContract:
    """What every back end's `Pins` role does (issue 14: cases to come)."""
