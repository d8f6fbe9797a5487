"""Accounts and sessions: what the auth routes and every authenticated request call.

A sign-in opens a session in the store and answers a short-lived access token (JWT naming the
user and the session) and the session's refresh token. Every request resolves its access token
to the user as the store knows them now, cached for a few seconds per session: a revoked session,
a deleted account or a token whose subject does not exist is refused with 401, and the name a
message carries is the stored one. Ending sessions drops them from this gateway's cache at once
and tells every gateway on core NATS (`chat.session.revoked`), which also closes their sockets.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import Error as NatsError

from chatcluster.gateway.context import Gateway
from chatcluster.gateway.errors import ApiError
from chatcluster.gateway.membership import announce_membership
from chatcluster.gateway.passwords import PasswordsBusy, password_problem
from chatcluster.gateway.schemas import SessionOut, TokenOut
from chatcluster.gateway.security import (
    Identity,
    InvalidToken,
    issue_access_token,
    new_refresh_token,
    read_access_token,
    read_refresh_token,
    same_secret,
)
from chatcluster.models import User, UserSession

log = logging.getLogger(__name__)

REVOKED_SUBJECT = "chat.session.revoked"
MAX_USER_AGENT_CHARS = 200
_BEARER = {"WWW-Authenticate": "Bearer"}
_SESSION_ENDED = "the session has ended (signed out, revoked or unknown); sign in again"


def _unauthorized(detail: str) -> ApiError:
    return ApiError(401, detail, headers=_BEARER)


def _busy() -> ApiError:
    return ApiError(503, "the gateway is busy checking other passwords; retry in a second", {"Retry-After": "1"})


# -- every request ------------------------------------------------------------------------------


async def resolve_identity(gw: Gateway, token: str | None) -> Identity:
    """The user an access token acts for, as stored now; 401 with the reason otherwise."""
    if not token:
        raise _unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    try:
        claims = read_access_token(token, gw.token_secret)
    except InvalidToken as exc:
        raise _unauthorized(str(exc)) from exc
    cached = gw.identities.get(claims.session_id)
    if cached is not None and cached.user_id == claims.user_id:
        return cached
    session = await gw.store.get_session(claims.session_id)
    if session is None or session.user_id != claims.user_id:
        raise _unauthorized(_SESSION_ENDED)
    if session.expires_at <= datetime.now(UTC):
        raise _unauthorized("the session has expired; sign in again")
    user = await gw.store.get_user(claims.user_id)
    if user is None or user.deleted:
        raise _unauthorized("the account no longer exists")
    identity = Identity(user.user_id, user.username, user.is_admin, session.session_id)
    gw.identities.put(identity)
    return identity


# -- signing in -----------------------------------------------------------------------------------


def _tokens(gw: Gateway, user: User, session: UserSession, refresh_token: str) -> TokenOut:
    access, expires = issue_access_token(
        user.user_id, session.session_id, gw.token_secret, gw.settings.access_token_ttl_seconds
    )
    return TokenOut(
        access_token=access,
        expires_at=expires,
        refresh_token=refresh_token,
        session_id=session.session_id,
        user_id=user.user_id,
        username=user.username,
    )


async def open_session(gw: Gateway, user: User, user_agent: str) -> TokenOut:
    now = datetime.now(UTC)
    session_id = gw.ids.next_id()
    refresh_token, secret_hash = new_refresh_token(session_id)
    session = UserSession(
        session_id=session_id,
        user_id=user.user_id,
        secret_hash=secret_hash,
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(seconds=gw.settings.session_ttl_seconds),
        user_agent=user_agent[:MAX_USER_AGENT_CHARS],
    )
    await gw.store.create_session(session)
    return _tokens(gw, user, session, refresh_token)


def _refuse_weak(password: str, username: str) -> None:
    problem = password_problem(password, username)
    if problem is not None:
        raise ApiError(422, problem)


async def register(gw: Gateway, username: str, password: str, user_agent: str) -> TokenOut:
    _refuse_weak(password, username)
    if await gw.store.get_user_by_name(username) is not None:
        raise ApiError(409, f"the username '{username}' is taken")
    try:
        password_hash = await gw.passwords.hash(password)
    except PasswordsBusy as exc:
        raise _busy() from exc
    user = User(user_id=gw.ids.next_id(), username=username, password_hash=password_hash, created_at=datetime.now(UTC))
    if not await gw.store.create_user(user):
        raise ApiError(409, f"the username '{username}' is taken")
    return await open_session(gw, user, user_agent)


async def _check_password(gw: Gateway, user: User | None, username: str, password: str, address: str) -> bool:
    """Verify a password under the failed-login throttle: 429 while throttled, else whether it is right."""
    wait = gw.throttle.retry_after(username, address)
    if wait:
        raise ApiError(
            429,
            f"too many failed sign-ins for this username or from this address; retry in {wait}s",
            headers={"Retry-After": str(wait)},
        )
    stored = user.password_hash if user is not None and not user.deleted else ""
    try:
        right = await gw.passwords.verify(stored, password)
    except PasswordsBusy as exc:
        raise _busy() from exc
    if right:
        gw.throttle.succeeded(username)
    else:
        gw.throttle.failed(username, address)
    return right


async def login(gw: Gateway, username: str, password: str, address: str, user_agent: str) -> TokenOut:
    user = await gw.store.get_user_by_name(username)
    right = await _check_password(gw, user, username, password, address)  # checked even for no such user
    if user is None or not right:
        raise ApiError(401, "wrong username or password")
    return await open_session(gw, user, user_agent)


async def refresh(gw: Gateway, refresh_token: str) -> TokenOut:
    """A new access token for a live session; the refresh token stays the same (see the README)."""
    try:
        session_id, presented = read_refresh_token(refresh_token)
    except InvalidToken as exc:
        raise _unauthorized(str(exc)) from exc
    session = await gw.store.get_session(session_id)
    if session is None or not same_secret(session.secret_hash, presented):
        raise _unauthorized(_SESSION_ENDED)
    now = datetime.now(UTC)
    if session.expires_at <= now:
        raise _unauthorized("the session has expired; sign in again")
    user = await gw.store.get_user(session.user_id)
    if user is None or user.deleted:
        raise _unauthorized("the account no longer exists")
    renewed = session.model_copy(
        update={"last_used_at": now, "expires_at": now + timedelta(seconds=gw.settings.session_ttl_seconds)}
    )
    if not await gw.store.touch_session(renewed):
        raise _unauthorized(_SESSION_ENDED)
    return _tokens(gw, user, renewed, refresh_token)


# -- sessions -------------------------------------------------------------------------------------


async def list_sessions(gw: Gateway, user: Identity) -> list[SessionOut]:
    return [
        SessionOut(current=s.session_id == user.session_id, **s.model_dump())
        for s in await gw.store.sessions_of(user.user_id, datetime.now(UTC))
    ]


async def logout(gw: Gateway, user: Identity, everywhere: bool) -> None:
    ended = await gw.store.revoke_sessions(user.user_id) if everywhere else []
    if not everywhere:
        await gw.store.revoke_session(user.session_id)
    await announce_revoked(gw, {user.session_id, *ended})


async def end_session(gw: Gateway, user: Identity, session_id: int) -> None:
    session = await gw.store.get_session(session_id)
    if session is None or session.user_id != user.user_id:
        raise ApiError(404, f"session {session_id} does not exist or is not one of yours")
    await gw.store.revoke_session(session_id)
    await announce_revoked(gw, {session_id})


# -- changing the account ---------------------------------------------------------------------------


async def _confirm_password(gw: Gateway, user: Identity, password: str, address: str) -> User:
    stored = await gw.store.get_user(user.user_id)
    if stored is None or stored.deleted:
        raise _unauthorized("the account no longer exists")
    if not await _check_password(gw, stored, user.username, password, address):
        raise ApiError(403, "the password is wrong")
    return stored


async def change_password(gw: Gateway, user: Identity, current: str, new: str, address: str) -> None:
    """Set a new password and end every other session of the user; this one stays signed in."""
    _refuse_weak(new, user.username)
    await _confirm_password(gw, user, current, address)
    try:
        password_hash = await gw.passwords.hash(new)
    except PasswordsBusy as exc:
        raise _busy() from exc
    if not await gw.store.set_password_hash(user.user_id, password_hash):
        raise _unauthorized("the account no longer exists")
    await announce_revoked(gw, await gw.store.revoke_sessions(user.user_id, keep=user.session_id))


async def delete_account(gw: Gateway, user: Identity, password: str, address: str) -> None:
    """Tombstone the account, end its sessions and leave its rooms; its messages stay (see the README)."""
    await _confirm_password(gw, user, password, address)
    await gw.store.delete_user(user.user_id)
    await announce_revoked(gw, {user.session_id, *await gw.store.revoke_sessions(user.user_id)})
    for room in await gw.store.rooms_of(user.user_id):
        await gw.store.remove_member(room.room_id, user.user_id)
        await announce_membership(gw, user.user_id, user.username, room, joined=False)


# -- revocation across gateways -------------------------------------------------------------------


def _drop_sessions(gw: Gateway, session_ids: set[int]) -> None:
    gw.identities.forget(session_ids)
    gw.hub.close_sessions(session_ids)


async def announce_revoked(gw: Gateway, session_ids: Iterable[int]) -> None:
    """Refuse these sessions here at once, and tell every gateway to do the same and close their sockets."""
    ended = set(session_ids)
    if not ended:
        return
    _drop_sessions(gw, ended)
    notice = json.dumps({"session_ids": [str(s) for s in sorted(ended)]}).encode()
    try:
        await gw.nc.publish(REVOKED_SUBJECT, notice)
    except NatsError as exc:  # other gateways still drop their cached entry within seconds
        log.warning("could not announce %d revoked sessions: %s", len(ended), exc)


async def listen_for_revocations(gw: Gateway) -> Subscription:
    async def on_notice(msg: Msg) -> None:
        try:
            ended = {int(s) for s in json.loads(msg.data)["session_ids"]}
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed session revocation notice")
            return
        _drop_sessions(gw, ended)

    return await gw.nc.subscribe(REVOKED_SUBJECT, cb=on_notice)
