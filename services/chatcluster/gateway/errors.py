"""The one error type routes and the WebSocket raise for client mistakes and outages, and how the OpenAPI
document declares the answers it becomes: `{"detail": "<sentence>"}` (`Problem`) for every error status."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chatcluster.gateway.schemas import Problem

ERROR_MEANINGS: dict[int, str] = {
    400: "The request is malformed (not JSON) or contradicts itself",
    401: "No valid bearer token, a session that has ended, or wrong credentials",
    403: "Signed in but not allowed: not a member, not your message, a wrong password",
    404: "The room, message, user or session does not exist, or is not yours to see",
    409: "It conflicts with what exists: a taken username, a full room, a reused client_id, a deleted message",
    413: "The body is larger than CHATCLUSTER_MAX_BODY_BYTES; it was not read",
    415: "The upload is not multipart, or its bytes are a type not accepted or not what its name says",
    416: "The byte range asked for is not within the file",
    422: "A field is invalid; the sentence names it",
    429: "Too many requests; retry after Retry-After seconds",
    503: "The message bus or the store is unavailable, or the gateway is busy; retry shortly",
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}}

# What any operation can answer: a malformed, oversized or invalid request, and an outage.
ANY_REQUEST = (400, 413, 422, 503)
SIGNED_IN = (*ANY_REQUEST, 401)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a router: every route on it, and every route added to it later, declares these.

    Declaring 422 also replaces FastAPI's default validation-error array, which this API never sends."""
    return {
        status: {
            "model": Problem,
            "description": ERROR_MEANINGS[status],
            **({"headers": _RETRY_AFTER} if status in (429, 503) else {}),
        }
        for status in sorted(set(statuses))
    }


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
