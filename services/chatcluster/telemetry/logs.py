"""The log format every ChatCluster process uses."""

from __future__ import annotations

import logging
import os


def setup_logging(service: str) -> None:
    level = os.environ.get("CHATCLUSTER_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(
        level=level,
        format=f"%(asctime)s {service:<9} %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    # nats-py logs every reconnect attempt at ERROR; they are expected during restarts.
    logging.getLogger("nats.aio.client").setLevel(logging.CRITICAL)
    logging.getLogger("httpx").setLevel(logging.WARNING)
