"""A span around every store call, applied in one place: where the store is opened.

`traced_store(store, "sqlite")` returns a proxy whose coroutine methods each run in a
CLIENT span named `store <method>` (`store apply_events`), with `db.system.name` and
`db.operation.name`; everything else passes through untouched. `open_store` applies it only
when tracing is enabled, so an untraced process calls the store directly.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, cast

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Tracer

from chatcluster import __version__
from chatcluster.store.base import Store
from chatcluster.telemetry.instruments import ERROR_TYPE

DB_SYSTEM_NAME = "db.system.name"
DB_OPERATION_NAME = "db.operation.name"
UNTRACED = frozenset({"open", "close", "ping"})  # lifecycle, and health probes every few seconds


class TracedStore:
    def __init__(self, store: Store, system: str, tracer: Tracer | None = None) -> None:
        self._store = store
        self._system = system
        self._tracer = tracer or trace.get_tracer("chatcluster.store", __version__)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if not name.startswith("_") and name not in UNTRACED and inspect.iscoroutinefunction(attribute):
            attribute = self._traced(name, attribute)
        setattr(self, name, attribute)  # found once; later lookups never reach __getattr__
        return attribute

    def _traced(self, name: str, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        span_name = f"store {name}"
        attributes = {DB_SYSTEM_NAME: self._system, DB_OPERATION_NAME: name}
        tracer = self._tracer

        @functools.wraps(method)
        async def call(*args: Any, **kwargs: Any) -> Any:
            with tracer.start_as_current_span(span_name, kind=SpanKind.CLIENT, attributes=attributes) as span:
                try:
                    return await method(*args, **kwargs)
                except Exception as exc:  # the span records it and sets the error status on exit
                    span.set_attribute(ERROR_TYPE, type(exc).__qualname__)
                    raise

        return call


def traced_store(store: Store, system: str, tracer: Tracer | None = None) -> Store:
    return cast(Store, TracedStore(store, system, tracer))
