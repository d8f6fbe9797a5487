"""The JSON Schemas in schemas/ are what the code produces, so consumers can trust them."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatcluster.schemas_export import EXPORTED, render

SCHEMAS = Path(__file__).parents[2] / "schemas"


@pytest.mark.parametrize("name", sorted(EXPORTED))
def test_the_published_schema_matches_the_model(name: str) -> None:
    published = SCHEMAS / name
    assert published.exists(), f"run `make schemas`: {published} is missing"
    assert published.read_text() == render(EXPORTED[name]), f"run `make schemas`: {published} is stale"


def test_message_ids_are_published_as_strings_so_javascript_keeps_them_exact() -> None:
    schema = EXPORTED["message-event.v1.json"].model_json_schema(mode="serialization")
    message = schema["$defs"]["Message"]["properties"]["message_id"]
    assert message["type"] == "string"
    assert message["pattern"] == "^[0-9]{1,19}$"
