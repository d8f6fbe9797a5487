"""Password hashing (argon2) and bearer tokens (JWT with expiry)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_ALGORITHM = "HS256"


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class Identity:
    """Who a valid token names; signed claims, so no store lookup per request."""

    user_id: int
    username: str
    is_admin: bool = False


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def issue_token(user_id: int, username: str, secret: str, ttl_seconds: int) -> tuple[str, datetime]:
    expires = datetime.now(UTC) + timedelta(seconds=ttl_seconds)
    claims = {"sub": str(user_id), "name": username, "exp": expires}
    return jwt.encode(claims, secret, algorithm=_ALGORITHM), expires


def read_token(token: str, secret: str) -> Identity:
    """The identity a token names; InvalidToken says why it is refused."""
    try:
        claims = jwt.decode(token, secret, algorithms=[_ALGORITHM], options={"require": ["exp", "sub", "name"]})
        return Identity(int(claims["sub"]), str(claims["name"]))
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("the token has expired; log in again") from exc
    except (jwt.InvalidTokenError, ValueError) as exc:
        raise InvalidToken("the token is not valid") from exc
