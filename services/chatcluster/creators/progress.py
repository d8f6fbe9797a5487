"""A broadcast's progress, derived from what the store holds: the frozen recipients and their outcomes. Derived,
never counted up, so a redelivered batch or a restarted worker can never make it drift."""

from __future__ import annotations

from collections.abc import Mapping

from chatcluster.creators.models import BroadcastProgress
from chatcluster.store.base import BroadcastRecord, Broadcasts


def progress_from(broadcast: BroadcastRecord, total: int | None, outcomes: Mapping[int, bool]) -> BroadcastProgress:
    delivered = sum(1 for ok in outcomes.values() if ok)
    skipped = len(outcomes) - delivered
    return BroadcastProgress(
        broadcast_id=broadcast.broadcast_id,
        list_id=broadcast.list_id,
        total=total,
        delivered=delivered,
        skipped=skipped,
        done=total is not None and delivered + skipped >= total,
    )


async def read_progress(store: Broadcasts, broadcast: BroadcastRecord) -> BroadcastProgress:
    total = await store.broadcast_total(broadcast.broadcast_id)
    return progress_from(broadcast, total, await store.broadcast_outcomes(broadcast.broadcast_id))
