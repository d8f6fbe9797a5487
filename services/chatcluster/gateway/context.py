"""Everything a gateway process holds for its lifetime, built once in the app's lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from chatcluster.config import Settings
from chatcluster.gateway.hub import Hub
from chatcluster.gateway.ratelimit import RateLimiter
from chatcluster.ids import SnowflakeGenerator
from chatcluster.store import Store


@dataclass
class Gateway:
    settings: Settings
    store: Store
    nc: NATS
    js: JetStreamContext
    ids: SnowflakeGenerator
    limiter: RateLimiter
    hub: Hub
    token_secret: str
