"""The gateway application: wiring, lifespan and the translation of errors into 4xx answers."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from chatcluster import __version__
from chatcluster.bus import connect, ensure_streams, presence_bucket
from chatcluster.config import Settings, get_settings
from chatcluster.creators.streams import ensure_broadcast_stream
from chatcluster.gateway.accounts import listen_for_revocations
from chatcluster.gateway.context import Gateway
from chatcluster.gateway.errors import ApiError, describe_validation_errors
from chatcluster.gateway.headers import SecurityHeaders, docs_policy
from chatcluster.gateway.hub import Hub
from chatcluster.gateway.limits import BodyLimit
from chatcluster.gateway.media import upload_limit
from chatcluster.gateway.moderation import listen_for_room_changes
from chatcluster.gateway.presence import PresenceService
from chatcluster.gateway.ratelimit import RateLimiter
from chatcluster.gateway.routes import (
    auth,
    health,
    messages,
    notifications,
    people,
    presence,
    quizzes,
    reactions,
    read_state,
    rooms,
    search,
    stats,
    ws,
)
from chatcluster.gateway.routes import creators as creator_routes
from chatcluster.gateway.routes import media as media_routes
from chatcluster.ids import SnowflakeGenerator
from chatcluster.quiz.streams import ensure_quiz_stream
from chatcluster.store import StoreUnavailable, open_store
from chatcluster.telemetry.setup import SEMCONV_OPT_IN, with_stable_http_semconv

STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = await open_store(settings)
        nc = await connect(settings, name=f"gateway-{settings.worker_id}")
        js = nc.jetstream(timeout=5)
        await ensure_streams(js, settings)
        await ensure_quiz_stream(js, settings)
        await ensure_broadcast_stream(js, settings)
        hub = Hub(nc)
        presences = PresenceService(await presence_bucket(js, settings), hub, settings)
        app.state.gateway = Gateway(
            settings=settings,
            store=store,
            nc=nc,
            js=js,
            ids=SnowflakeGenerator(settings.worker_id),
            limiter=RateLimiter(settings.send_rate_per_second, settings.send_burst),
            hub=hub,
            presence=presences,
            token_secret=settings.resolved_token_secret(),
        )
        await listen_for_revocations(app.state.gateway)
        await listen_for_room_changes(app.state.gateway)
        presence_task = asyncio.create_task(presences.run())
        try:
            yield
        finally:
            presence_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await presence_task
            await app.state.gateway.reads.flush()  # read markers waiting to be announced
            await nc.drain()
            await store.close()
            app.state.gateway.passwords.close()

    app = FastAPI(
        title="ChatCluster",
        version=__version__,
        summary="Real-time chat with a live analytics pipeline.",
        lifespan=lifespan,
        docs_url=None,  # served below, with a Content-Security-Policy that allows its inline script by hash
        redoc_url=None,
    )
    docs_html = bytes(get_swagger_ui_html(openapi_url="/openapi.json", title="ChatCluster API").body).decode()

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        status = 400 if any(e.get("type") == "json_invalid" for e in errors) else 422
        return JSONResponse({"detail": describe_validation_errors(errors)}, status_code=status)

    @app.exception_handler(StoreUnavailable)
    async def store_down(_request: Request, exc: StoreUnavailable) -> JSONResponse:
        return JSONResponse({"detail": f"the store is unavailable: {exc}; retry shortly"}, status_code=503)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    for module in (health, auth, rooms, messages, reactions, read_state, notifications, presence, stats, ws):
        app.include_router(module.router)
    for module in (search, people):  # issue 14: search, contacts and blocks
        app.include_router(module.router)
    app.include_router(quizzes.router)  # issue 15: the live quiz
    app.include_router(media_routes.router)  # issue 16: pictures and files
    app.include_router(creator_routes.router)  # issue 17: creators' lists, broadcasts and tips

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(docs_html)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    uploads = {"/v1/media": upload_limit(settings.media_max_bytes)}  # streamed to storage, never held
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, larger=uploads)
    app.add_middleware(SecurityHeaders, policies={"/docs": docs_policy(docs_html)})  # outermost: on every answer
    instrument_fastapi(app)
    return app


def instrument_fastapi(app: FastAPI) -> None:
    """HTTP server spans and the `http.server.request.duration` histogram for every route."""
    os.environ[SEMCONV_OPT_IN] = with_stable_http_semconv(os.environ.get(SEMCONV_OPT_IN))
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    # The per-chunk ASGI send/receive spans would triple the spans of every request for nothing.
    FastAPIInstrumentor.instrument_app(app, exclude_spans=["receive", "send"])
