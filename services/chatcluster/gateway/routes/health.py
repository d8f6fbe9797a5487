from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from chatcluster.gateway.deps import GatewayDep
from chatcluster.gateway.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/livez", response_model=Health, summary="200 while the process answers: what a liveness probe should ask")
async def livez() -> JSONResponse:
    # No dependency checks: a NATS or store outage must not restart every gateway at once.
    return JSONResponse({"status": "live"})


@router.get(
    "/healthz",
    response_model=Health,
    summary="200 only when the bus and the store answer",
    responses={503: {"model": Health, "description": "The bus or the store does not answer"}},
)
async def healthz(gw: GatewayDep) -> JSONResponse:
    problems = await gw.problems()
    if problems:
        return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503)
    return JSONResponse({"status": "ok"})
