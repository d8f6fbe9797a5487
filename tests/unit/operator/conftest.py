"""Fixtures of the operator's pure-layer tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.unit.operator.support import counting_secrets


@pytest.fixture
def new_secret() -> Callable[[], str]:
    return counting_secrets()
