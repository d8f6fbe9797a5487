"""Domain models on the wire (ids as decimal strings) and the password and token helpers."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from pydantic import ValidationError

from chatcluster.gateway.security import (
    InvalidToken,
    hash_password,
    issue_access_token,
    new_refresh_token,
    read_access_token,
    read_refresh_token,
    same_secret,
    verify_password,
)
from chatcluster.ids import SnowflakeGenerator, id_datetime
from chatcluster.models import (
    EventKind,
    Message,
    MessageEvent,
    Room,
    RoomKind,
    User,
    dm_room_id,
    is_room_id,
    message_subject,
)

SECRET = "a-test-signing-key-that-is-long-enough-for-hs256"
BIG_ID = 2**62 + 12_345  # far past 2**53, where JavaScript numbers lose digits


def message(**overrides: object) -> Message:
    values: dict[str, object] = {
        "message_id": BIG_ID,
        "room_id": "general",
        "author_id": BIG_ID + 1,
        "author": "alice",
        "text": "hello",
    }
    return Message.model_validate({**values, **overrides})


# --- Snowflake ids in JSON -------------------------------------------------------------------


def test_a_snowflake_is_written_to_json_as_a_decimal_string() -> None:
    payload = json.loads(message(reply_to=BIG_ID - 1).model_dump_json())

    assert payload["message_id"] == str(BIG_ID)
    assert payload["author_id"] == str(BIG_ID + 1)
    assert payload["reply_to"] == str(BIG_ID - 1)


def test_a_snowflake_stays_an_int_in_python() -> None:
    dumped = message().model_dump()

    assert dumped["message_id"] == BIG_ID
    assert isinstance(dumped["message_id"], int)


@pytest.mark.parametrize("raw", [f'"{BIG_ID}"', str(BIG_ID)])
def test_a_snowflake_is_read_from_a_json_string_or_number(raw: str) -> None:
    text = f'{{"message_id": {raw}, "room_id": "general", "author_id": "7", "author": "alice", "text": "hi"}}'

    parsed = Message.model_validate_json(text)

    assert parsed.message_id == BIG_ID
    assert parsed.author_id == 7


@pytest.mark.parametrize(
    "bad", ['"-1"', "-1", '"12ab"', '""', f'"{2**63}"', str(2**63), '"1.5"', '"\u0661\u0662"', '"\u00b2"']
)
def test_a_snowflake_that_is_negative_non_numeric_or_too_large_is_refused(bad: str) -> None:
    text = f'{{"message_id": {bad}, "room_id": "general", "author_id": 1, "author": "a", "text": "x"}}'

    with pytest.raises(ValidationError):
        Message.model_validate_json(text)


def test_a_messages_creation_time_comes_from_its_id() -> None:
    snowflake = SnowflakeGenerator(1).next_id(at_ms=1_750_000_000_123)

    assert message(message_id=snowflake).created_at == datetime(2025, 6, 15, 15, 6, 40, 123_000, tzinfo=UTC)
    assert message(message_id=snowflake).created_at == id_datetime(snowflake)


def test_a_users_password_hash_never_appears_in_its_json() -> None:
    user = User(user_id=1, username="alice", password_hash="secret-hash", created_at=datetime.now(UTC))

    assert "password_hash" not in json.loads(user.model_dump_json())
    assert "secret-hash" not in repr(user)


# --- Room ids ---------------------------------------------------------------------------------


def test_a_direct_message_room_is_the_same_whichever_user_asks() -> None:
    assert dm_room_id(5, 3) == dm_room_id(3, 5) == "dm-3-5"


def test_direct_message_room_ids_order_users_numerically() -> None:
    assert dm_room_id(10, 9) == "dm-9-10"
    assert dm_room_id(BIG_ID, 2) == f"dm-2-{BIG_ID}"


def test_a_direct_message_room_id_between_the_largest_ids_is_a_valid_room_id() -> None:
    largest = 2**63 - 1

    assert is_room_id(dm_room_id(largest, largest - 1))


@pytest.mark.parametrize("room_id", ["general", "a", "0", "team-42", "dm-1-2", "a" * 64, "9-lives"])
def test_lowercase_letters_digits_and_inner_hyphens_make_a_room_id(room_id: str) -> None:
    assert is_room_id(room_id)
    assert Room(room_id=room_id, kind=RoomKind.GROUP, name="x", created_by=1, created_at=datetime.now(UTC))


@pytest.mark.parametrize(
    "room_id",
    ["", "-general", "General", "a" * 65, "with space", "chat.msg", "a*", "a>", "under_score", "é"],
)
def test_anything_else_is_not_a_room_id(room_id: str) -> None:
    assert not is_room_id(room_id)
    with pytest.raises(ValidationError):
        Room(room_id=room_id, kind=RoomKind.GROUP, name="x", created_by=1, created_at=datetime.now(UTC))


def test_a_room_id_with_a_trailing_newline_is_not_a_room_id() -> None:
    assert not is_room_id("general\n")


def test_a_rooms_subject_ends_with_its_id() -> None:
    assert message_subject("team-42") == "chat.msg.team-42"


# --- Message events ---------------------------------------------------------------------------


def test_a_message_event_round_trips_through_json() -> None:
    event = MessageEvent(
        kind=EventKind.EDITED,
        event_id=BIG_ID + 99,
        message=message(
            reply_to=BIG_ID - 5,
            client_id="c-1",
            edited_at=datetime(2025, 6, 1, 12, 0, 0, 123_000, tzinfo=UTC),
        ),
    )

    again = MessageEvent.model_validate_json(event.model_dump_json())

    assert again == event
    assert again.subject == "chat.msg.general"


def test_a_message_event_names_its_schema_version_on_the_wire() -> None:
    event = MessageEvent(kind=EventKind.CREATED, event_id=BIG_ID, message=message())

    payload = json.loads(event.model_dump_json())

    assert payload["schema_version"] == "chatcluster.message.v1"
    assert payload["kind"] == "created"
    assert payload["event_id"] == str(BIG_ID)


def test_a_message_event_with_an_unknown_field_or_version_is_refused() -> None:
    payload = json.loads(MessageEvent(kind=EventKind.CREATED, event_id=1, message=message()).model_dump_json())

    with pytest.raises(ValidationError):
        MessageEvent.model_validate({**payload, "surprise": True})
    with pytest.raises(ValidationError):
        MessageEvent.model_validate({**payload, "schema_version": "chatcluster.message.v2"})


# --- Passwords --------------------------------------------------------------------------------


def test_the_right_password_verifies_against_its_hash() -> None:
    hashed = hash_password("correct horse battery")

    assert hashed != "correct horse battery"
    assert verify_password(hashed, "correct horse battery") is True


def test_a_wrong_password_does_not_verify() -> None:
    hashed = hash_password("correct horse battery")

    assert verify_password(hashed, "correct horse batterY") is False
    assert verify_password(hashed, "") is False


def test_a_malformed_hash_does_not_verify_rather_than_raising() -> None:
    assert verify_password("not-an-argon2-hash", "anything") is False


def test_the_same_password_hashes_differently_each_time() -> None:
    assert hash_password("same") != hash_password("same")


# --- Tokens -----------------------------------------------------------------------------------

SESSION = 2**61 + 99


def test_an_access_token_names_the_user_and_session_it_was_issued_for() -> None:
    token, expires = issue_access_token(BIG_ID, SESSION, SECRET, ttl_seconds=60)

    claims = read_access_token(token, SECRET)

    assert (claims.user_id, claims.session_id) == (BIG_ID, SESSION)
    assert timedelta(seconds=55) < expires - datetime.now(UTC) <= timedelta(seconds=60)


def test_an_access_token_carries_no_username_to_trust() -> None:
    token, _ = issue_access_token(BIG_ID, SESSION, SECRET, ttl_seconds=60)

    assert set(jwt.decode(token, SECRET, algorithms=["HS256"])) == {"sub", "sid", "exp"}


def test_an_expired_token_is_refused_with_a_message_about_expiry() -> None:
    token, _ = issue_access_token(1, SESSION, SECRET, ttl_seconds=-5)

    with pytest.raises(InvalidToken, match="expired"):
        read_access_token(token, SECRET)


def _tamper_with_claims(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "2"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_a_token_whose_claims_were_altered_is_refused() -> None:
    token, _ = issue_access_token(1, SESSION, SECRET, ttl_seconds=60)

    with pytest.raises(InvalidToken, match="not valid"):
        read_access_token(_tamper_with_claims(token), SECRET)


def test_a_token_whose_signature_was_altered_is_refused() -> None:
    token, _ = issue_access_token(1, SESSION, SECRET, ttl_seconds=60)
    header, payload, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]

    with pytest.raises(InvalidToken, match="not valid"):
        read_access_token(f"{header}.{payload}.{flipped}", SECRET)


def test_a_token_signed_with_another_key_is_refused() -> None:
    token, _ = issue_access_token(1, SESSION, SECRET, ttl_seconds=60)

    with pytest.raises(InvalidToken):
        read_access_token(token, SECRET + "-other")


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "1", "sid": "2"},  # no expiry
        {"sid": "2", "exp": 4_102_444_800},  # no subject
        {"sub": "1", "name": "alice", "exp": 4_102_444_800},  # no session: a token from before sessions
        {"sub": "not-a-number", "sid": "2", "exp": 4_102_444_800},
        {"sub": "1", "sid": ["2"], "exp": 4_102_444_800},
    ],
)
def test_a_token_missing_a_claim_or_with_a_non_numeric_one_is_refused(claims: dict[str, object]) -> None:
    token = jwt.encode(claims, SECRET, algorithm="HS256")

    with pytest.raises(InvalidToken, match="not valid"):
        read_access_token(token, SECRET)


def test_a_token_with_the_none_algorithm_is_refused() -> None:
    token = jwt.encode({"sub": "1", "sid": "2", "exp": 4_102_444_800}, None, algorithm="none")

    with pytest.raises(InvalidToken, match="not valid"):
        read_access_token(token, SECRET)


def test_garbage_is_not_a_token() -> None:
    with pytest.raises(InvalidToken):
        read_access_token("not.a.jwt", SECRET)


# --- Refresh tokens -------------------------------------------------------------------------------


def test_a_refresh_token_names_its_session_and_only_its_secrets_hash_is_kept() -> None:
    token, stored_hash = new_refresh_token(SESSION)

    session_id, presented_hash = read_refresh_token(token)

    assert session_id == SESSION
    assert same_secret(stored_hash, presented_hash)
    assert token.split(".", 1)[1] not in stored_hash


def test_two_refresh_tokens_of_one_session_have_different_secrets() -> None:
    (first, first_hash), (second, _) = new_refresh_token(SESSION), new_refresh_token(SESSION)

    assert first != second
    assert not same_secret(first_hash, read_refresh_token(second)[1])


@pytest.mark.parametrize("token", ["", "123", "abc.def", "1." + "x" * 42, "1." + "x" * 44, "-1." + "x" * 43, "1.x y"])
def test_a_malformed_refresh_token_is_refused(token: str) -> None:
    with pytest.raises(InvalidToken, match="refresh token is not valid"):
        read_refresh_token(token)
