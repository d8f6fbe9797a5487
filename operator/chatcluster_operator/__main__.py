"""`chatcluster-operator`: run the ChatCluster operator (what the chart's Deployment and `make operator` start)."""

from __future__ import annotations

import asyncio
import os
import secrets
from typing import Annotated

import kopf
import typer

from chatcluster.telemetry import setup_logging

cli = typer.Typer(add_completion=False)


@cli.command()
def run(
    namespace: Annotated[
        str, typer.Option(envvar="WATCH_NAMESPACE", help="Watch one namespace; empty watches them all.")
    ] = "",
    peering: Annotated[
        str,
        typer.Option(
            envvar="CHATCLUSTER_OPERATOR_PEERING",
            help="Kopf peering object shared by the replicas: only the one with the highest priority acts.",
        ),
    ] = "chatcluster-operator",
    standalone: Annotated[
        bool, typer.Option(envvar="CHATCLUSTER_OPERATOR_STANDALONE", help="Skip peering (a single local replica).")
    ] = False,
    priority: Annotated[
        int,
        typer.Option(
            envvar="CHATCLUSTER_OPERATOR_PRIORITY",
            help="Peering priority; replicas with equal priorities all pause, so the default is random per process.",
        ),
    ] = -1,
    liveness: Annotated[
        str,
        typer.Option(
            envvar="CHATCLUSTER_OPERATOR_LIVENESS", help="Serve Kopf's liveness probe, e.g. http://0.0.0.0:8080/healthz"
        ),
    ] = "",
) -> None:
    """Reconcile ChatCluster resources until stopped."""
    setup_logging("operator")
    import chatcluster_operator.handlers  # noqa: F401  (registers the handlers with Kopf)

    os.environ.setdefault("POD_ID", os.environ.get("POD_NAME", ""))  # peering identity = the pod's name
    if not os.environ["POD_ID"]:
        del os.environ["POD_ID"]
    asyncio.run(
        kopf.operator(
            clusterwide=not namespace,
            namespaces=[namespace] if namespace else (),
            peering_name=None if standalone else peering,
            standalone=True if standalone else None,
            # Kopf peering is not a lease: the live peer with the highest priority acts, the others pause until its
            # keep-alive expires. A random priority per process makes that a leader election among replicas.
            priority=priority if priority >= 0 else secrets.randbelow(2**31),
            liveness_endpoint=liveness or None,
        )
    )


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
