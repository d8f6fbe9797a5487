"""A real Kubernetes API server on this machine, for the operator's dev loop and tests (no kubelet)."""

from chatcluster_operator.localkube.build import BuildError, KubeBinaries, ensure_binaries
from chatcluster_operator.localkube.clients import KubeClients, ensure_clients
from chatcluster_operator.localkube.server import LocalKube, LocalKubeError, LocalKubeState

__all__ = [
    "BuildError",
    "KubeBinaries",
    "KubeClients",
    "LocalKube",
    "LocalKubeError",
    "LocalKubeState",
    "ensure_binaries",
    "ensure_clients",
]
