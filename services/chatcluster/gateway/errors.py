"""The one error type routes and the WebSocket raise for client mistakes and outages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} does not exist")


def describe_validation_errors(errors: Sequence[Any]) -> str:
    """One readable sentence from pydantic's error list, e.g. "body.text: String should have ..."."""
    parts = []
    for error in errors:
        location = ".".join(str(p) for p in error.get("loc", ()) if p != "body" or len(error.get("loc", ())) == 1)
        if error.get("type") == "json_invalid":
            parts.append(f"malformed JSON: {error.get('ctx', {}).get('error', error.get('msg'))}")
        else:
            parts.append(f"{location}: {error.get('msg')}" if location else str(error.get("msg")))
    return "; ".join(parts) or "invalid request"
