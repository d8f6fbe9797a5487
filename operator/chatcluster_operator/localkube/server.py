"""A real Kubernetes control plane on loopback: etcd, kube-apiserver and the garbage collector.

There is no kubelet and no scheduler (the envtest pattern): objects are stored, validated (OpenAPI, CEL,
admission) and watched exactly as on a cluster, but no Pod runs. kube-controller-manager runs only the
garbage collector and the namespace controller, so deleting a ChatCluster really removes what it owns,
while workload statuses stay whatever a test patches them to.

Everything lives under one home folder (certificates, etcd data, logs, `kubeconfig`, `state.json` with
the process ids), so `up` and `down` can be separate commands.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from chatcluster.supervisor import free_port
from chatcluster_operator.localkube.build import KubeBinaries

START_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 20.0
SERVICE_CIDR = "10.0.0.0/24"


class LocalKubeError(RuntimeError):
    """The control plane did not come up; the message names the log to read."""


@dataclass(frozen=True)
class LocalKubeState:
    api_port: int
    pids: dict[str, int]

    @property
    def server(self) -> str:
        return f"https://127.0.0.1:{self.api_port}"


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def ensure_certificates(certs: Path) -> None:
    """A CA, the API server's serving certificate and the service-account signing key, made once."""
    certs.mkdir(parents=True, exist_ok=True)
    if (certs / "apiserver.crt").is_file() and (certs / "sa.pub").is_file():
        return
    days = "3650"
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
             "-days", days, "-subj", "/CN=chatcluster-local-ca", cwd=certs)  # fmt: skip
    (certs / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes.default.svc\n")
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "apiserver.key", "-out", "apiserver.csr",
             "-subj", "/CN=kube-apiserver", cwd=certs)  # fmt: skip
    _openssl("x509", "-req", "-in", "apiserver.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "apiserver.crt", "-days", days, "-extfile", "san.ext", cwd=certs)  # fmt: skip
    _openssl("genrsa", "-out", "sa.key", "2048", cwd=certs)
    _openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=certs)


def write_kubeconfig(path: Path, server: str, ca: Path, token: str) -> None:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "chatcluster-local", "cluster": {"server": server, "certificate-authority": str(ca)}}],
        "users": [{"name": "admin", "user": {"token": token}}],
        "contexts": [{"name": "chatcluster-local", "context": {"cluster": "chatcluster-local", "user": "admin"}}],
        "current-context": "chatcluster-local",
    }
    path.write_text(json.dumps(config, indent=2))  # JSON is YAML, and needs no YAML library here
    path.chmod(0o600)


class LocalKube:
    """Start and stop the control plane in `home`; `kubeconfig` is ready once `start()` returns."""

    def __init__(self, home: Path, binaries: KubeBinaries, *, kubeconfig: Path | None = None) -> None:
        self.home = home.resolve()  # the kubeconfig names files by absolute path: it is read from anywhere
        self.binaries = binaries
        self.kubeconfig = (kubeconfig or home / "kubeconfig").resolve()
        self._state_file = self.home / "state.json"
        self._certs = self.home / "certs"

    @property
    def state(self) -> LocalKubeState | None:
        if not self._state_file.is_file():
            return None
        raw = json.loads(self._state_file.read_text())
        return LocalKubeState(api_port=raw["api_port"], pids=raw["pids"])

    def running(self) -> bool:
        state = self.state
        return state is not None and all(_alive(pid) for pid in state.pids.values())

    def start(self, *, api_port: int | None = None) -> LocalKubeState:
        if self.running():
            raise LocalKubeError(f"a local API server already runs from {self.home}; stop it first")
        self.home.mkdir(parents=True, exist_ok=True)
        ensure_certificates(self._certs)
        token = self._admin_token()
        etcd_port, peer_port = free_port(), free_port()
        api_port = api_port or free_port()
        pids: dict[str, int] = {}
        try:
            pids["etcd"] = self._spawn("etcd", self._etcd_args(etcd_port, peer_port))
            pids["kube-apiserver"] = self._spawn("kube-apiserver", self._apiserver_args(api_port, etcd_port))
            state = LocalKubeState(api_port=api_port, pids=pids)
            self._state_file.write_text(json.dumps({"api_port": api_port, "pids": pids}))
            write_kubeconfig(self.kubeconfig, state.server, self._certs / "ca.crt", token)
            self._wait_ready(state, token)
            pids["kube-controller-manager"] = self._spawn("kube-controller-manager", self._controller_args())
            self._state_file.write_text(json.dumps({"api_port": api_port, "pids": pids}))
        except BaseException:
            self.stop()
            raise
        return LocalKubeState(api_port=api_port, pids=pids)

    def stop(self) -> None:
        state = self.state
        if state is None:
            return
        for name in ("kube-controller-manager", "kube-apiserver", "etcd"):  # reverse of start
            pid = state.pids.get(name)
            if pid is not None:
                _terminate(pid)
        self._state_file.unlink(missing_ok=True)

    def _admin_token(self) -> str:
        tokens = self._certs / "tokens.csv"
        if not tokens.is_file():
            tokens.write_text(f'{secrets.token_urlsafe(32)},admin,admin,"system:masters"\n')
            tokens.chmod(0o600)
        return tokens.read_text().split(",", 1)[0]

    def _spawn(self, name: str, args: list[str]) -> int:
        binary = {
            "etcd": self.binaries.etcd,
            "kube-apiserver": self.binaries.kube_apiserver,
            "kube-controller-manager": self.binaries.kube_controller_manager,
        }[name]
        log = (self.home / f"{name}.log").open("ab")
        # A session of its own: Ctrl-C in the terminal that ran `make kube-up` must not stop the cluster.
        process = subprocess.Popen(
            [str(binary), *args], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
        return process.pid

    def _etcd_args(self, client_port: int, peer_port: int) -> list[str]:
        client, peer = f"http://127.0.0.1:{client_port}", f"http://127.0.0.1:{peer_port}"
        return [
            "--name=local",
            f"--data-dir={self.home / 'etcd'}",
            f"--listen-client-urls={client}",
            f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=local={peer}",
            "--log-level=warn",
            "--unsafe-no-fsync",  # a dev/test control plane: durability across power loss is not the point
        ]

    def _apiserver_args(self, api_port: int, etcd_port: int) -> list[str]:
        certs = self._certs
        return [
            f"--etcd-servers=http://127.0.0.1:{etcd_port}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={api_port}",
            f"--tls-cert-file={certs / 'apiserver.crt'}",
            f"--tls-private-key-file={certs / 'apiserver.key'}",
            f"--client-ca-file={certs / 'ca.crt'}",
            f"--token-auth-file={certs / 'tokens.csv'}",
            f"--service-account-key-file={certs / 'sa.pub'}",
            f"--service-account-signing-key-file={certs / 'sa.key'}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--authorization-mode=RBAC",
            "--allow-privileged=true",
            # No controller creates default ServiceAccounts here; that admission step would refuse every Pod spec.
            "--disable-admission-plugins=ServiceAccount",
            "--enable-priority-and-fairness=false",
            "--profiling=false",
        ]

    def _controller_args(self) -> list[str]:
        return [
            f"--kubeconfig={self.kubeconfig}",
            "--controllers=garbagecollector,namespace",
            "--leader-elect=false",
            "--bind-address=127.0.0.1",
            f"--secure-port={free_port()}",
            "--use-service-account-credentials=false",
        ]

    def _wait_ready(self, state: LocalKubeState, token: str) -> None:
        context = ssl.create_default_context(cafile=str(self._certs / "ca.crt"))
        request = urllib.request.Request(f"{state.server}/readyz", headers={"Authorization": f"Bearer {token}"})
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            for name, pid in state.pids.items():
                if not _alive(pid):
                    raise LocalKubeError(f"{name} exited during start; see {self.home / (name + '.log')}")
            try:
                with urllib.request.urlopen(request, context=context, timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise LocalKubeError(f"kube-apiserver not ready after {START_TIMEOUT_SECONDS:.0f}s; see its log")
            time.sleep(0.25)


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
        if waited == pid:
            return False
    except ChildProcessError:
        pass  # not our child (started by an earlier `up`): fall back to a signal probe
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _terminate(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
        while _alive(pid):
            time.sleep(0.05)
