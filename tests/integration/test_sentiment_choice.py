"""The scorer runs the model the platform is configured with (`CHATCLUSTER_SENTIMENT_MODEL`, the ChatCluster's
`scorer.model`): the trained one by default, VADER's rules when asked."""

from __future__ import annotations

from typing import Any

from tests.conftest import PlatformFactory
from tests.helpers import eventually, signed_in

LINES = {"I love this, it is wonderful!": 1, "This is awful and I hate it.": -1, "The meeting is at noon.": 0}


async def _stored_sentiments(start_platform: PlatformFactory, **settings: object) -> list[dict[str, Any]]:
    platform = await start_platform(**settings)
    client, room_id = await signed_in(platform)
    sent = [await client.send(room_id, text) for text in LINES]

    async def scored() -> list[dict[str, Any]] | None:
        found = []
        for accepted in sent:
            message = await client.call("GET", f"/v1/rooms/{room_id}/messages/{accepted['message_id']}")
            if message["sentiment"] is None:
                return None
            found.append(message["sentiment"])
        return found

    result: list[dict[str, Any]] = await eventually(scored, timeout=30)
    return result


async def test_a_platform_configured_for_vader_scores_with_vader(start_platform: PlatformFactory) -> None:
    sentiments = await _stored_sentiments(start_platform, sentiment_model="vader")
    assert [s["label"] for s in sentiments] == list(LINES.values())
    assert {s["model_version"] for s in sentiments} == {"vader-3.3.2"}


async def test_the_trained_model_is_the_default(start_platform: PlatformFactory) -> None:
    sentiments = await _stored_sentiments(start_platform)
    assert [s["label"] for s in sentiments] == list(LINES.values())
    assert all(s["model_version"].startswith("sentiment-") for s in sentiments)
