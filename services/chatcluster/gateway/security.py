"""Password hashing (argon2), short-lived access tokens (JWT HS256) and the refresh tokens of sessions.

An access token names a user and a session (`sub`, `sid`) and expires (`exp`) within minutes; it
is never trusted alone: every request also finds its session and user in the store. A refresh
token is `<session_id>.<secret>`; the store keeps only the secret's sha256, so a leaked store
reveals no usable token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_ALGORITHM = "HS256"
REFRESH_SECRET_BYTES = 32
REFRESH_TOKEN_PATTERN = r"^[0-9]{1,19}\.[A-Za-z0-9_-]{43}$"
_REFRESH_TOKEN_RE = re.compile(REFRESH_TOKEN_PATTERN)


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class Identity:
    """Who a request acts for, as the store knows them now (never as a token claims)."""

    user_id: int
    username: str
    is_admin: bool = False
    session_id: int = 0


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    session_id: int


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def issue_access_token(user_id: int, session_id: int, secret: str, ttl_seconds: int) -> tuple[str, datetime]:
    expires = datetime.now(UTC) + timedelta(seconds=ttl_seconds)
    claims = {"sub": str(user_id), "sid": str(session_id), "exp": expires}
    return jwt.encode(claims, secret, algorithm=_ALGORITHM), expires


def read_access_token(token: str, secret: str) -> AccessClaims:
    """The user and session an access token names; InvalidToken says why it is refused."""
    try:
        claims = jwt.decode(token, secret, algorithms=[_ALGORITHM], options={"require": ["exp", "sub", "sid"]})
        return AccessClaims(int(claims["sub"]), int(claims["sid"]))
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("the access token has expired; refresh it or sign in again") from exc
    except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
        raise InvalidToken("the token is not valid") from exc


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_refresh_token(session_id: int) -> tuple[str, str]:
    """A fresh refresh token for a session, and the hash of its secret (what the store keeps)."""
    secret = secrets.token_urlsafe(REFRESH_SECRET_BYTES)
    return f"{session_id}.{secret}", secret_hash(secret)


def read_refresh_token(token: str) -> tuple[int, str]:
    """The session id a refresh token names and the hash of its secret."""
    if not _REFRESH_TOKEN_RE.fullmatch(token):
        raise InvalidToken("the refresh token is not valid")
    session_id, secret = token.split(".", 1)
    return int(session_id), secret_hash(secret)


def same_secret(stored_hash: str, presented_hash: str) -> bool:
    return hmac.compare_digest(stored_hash, presented_hash)
