"""The OpenAPI document matches the API: Schemathesis generates requests from it (valid and invalid ones) and every
answer must have a declared status, content type and body schema, and never be a server error.

It runs against a platform of its own: the fuzzer signs in wrongly hundreds of times, and the throttling that
earns must not slow the other tests' sign-ins. WebSocket `/v1/ws` is not in the document and not tested here.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from chatcluster.config import Settings
from chatcluster.gateway.app import create_app
from chatcluster.supervisor import Supervisor
from tests.conftest import platform_settings

# Bounded so the whole document runs in about a minute: examples per operation and mode, and a timeout per
# operation (pytest-timeout) as the hard limit should an operation ever answer slowly.
EXAMPLES_PER_OPERATION = 20
SECONDS_PER_OPERATION = 60
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
PASSWORD = "correct horse battery"
# These end sessions (or the account): they get the token of a second account, so the fuzzer's own stays valid.
# After its first success that token is dead and they answer 401, which must conform too.
SESSION_ENDING = {("POST", "/v1/auth/logout"), ("DELETE", "/v1/auth/account"), ("POST", "/v1/auth/password")}


@pytest.fixture(scope="module")
async def conformance_platform(
    tmp_path_factory: pytest.TempPathFactory,
    model_home: Path,  # noqa: ARG001  (platform_settings points at the trained model)
) -> AsyncIterator[Supervisor]:
    supervisor = Supervisor(
        platform_settings(tmp_path_factory.mktemp("conformance")), services=("gateway", "persister")
    )
    await supervisor.start()
    yield supervisor
    await supervisor.stop()


def _register(base_url: str) -> str:
    body = {"username": f"fuzz_{uuid.uuid4().hex[:12]}", "password": PASSWORD}
    response = httpx.post(f"{base_url}/v1/auth/register", json=body, timeout=30)
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


@pytest.fixture(scope="module")
def fuzzer_token(conformance_platform: Supervisor) -> str:
    return _register(conformance_platform.gateway_url)


@pytest.fixture(scope="module")
def victim_token(conformance_platform: Supervisor) -> str:
    return _register(conformance_platform.gateway_url)


# The document the gateway serves, built from the same code at collection, so that each operation is a test of
# its own; the first test proves the running gateway serves exactly this document.
DOCUMENT = create_app(Settings()).openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=EXAMPLES_PER_OPERATION,
    deterministic=True,  # the same requests every run: a failure is reproducible, never flaky
    database="none",
)


def test_the_running_gateway_serves_the_document_under_test(conformance_platform: Supervisor) -> None:
    served = httpx.get(f"{conformance_platform.gateway_url}/openapi.json", timeout=30).json()
    assert served == DOCUMENT


@pytest.mark.timeout(SECONDS_PER_OPERATION)
@schema.parametrize()
def test_every_answer_conforms_to_the_openapi_document(
    case: schemathesis.Case[Any], conformance_platform: Supervisor, fuzzer_token: str, victim_token: str
) -> None:
    token = victim_token if (case.method.upper(), case.path) in SESSION_ENDING else fuzzer_token
    case.call_and_validate(
        base_url=conformance_platform.gateway_url, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS
    )
