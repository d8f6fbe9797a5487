"""Presence, typing and the live notices of a room's members, against a real nats-server and gateways."""

from __future__ import annotations

import nats

from chatcluster.bus import publish_user_frame
from chatcluster.supervisor import Supervisor
from tests.conftest import ClientFactory
from tests.helpers import frames_for, next_frame


async def test_a_frame_published_for_a_user_reaches_every_socket_of_that_user_and_nobody_else(
    shared_platform: Supervisor, new_user: ClientFactory
) -> None:
    alice, bob = await new_user(), await new_user()
    nc = await nats.connect(shared_platform.settings.nats_url)
    try:
        async with alice.websocket() as tab1, alice.websocket() as tab2, bob.websocket() as b_ws:
            ready = await next_frame(tab1, "ready")
            for ws in (tab2, b_ws):
                await next_frame(ws, "ready")
            frame = {"type": "notification", "notification": {"kind": "mention", "preview": "hi @alice"}}
            await publish_user_frame(nc, int(ready["user_id"]), frame)
            received = [await next_frame(ws, "notification") for ws in (tab1, tab2)]
            bob_saw = await frames_for(b_ws, 0.5)
    finally:
        await nc.close()

    assert received == [frame, frame]
    assert [f for f in bob_saw if f["type"] == "notification"] == []
