"""Build the real kube-apiserver, kube-controller-manager and etcd from Go modules (the envtest pattern).

`k8s.io/kubernetes` is not meant to be required as a module: its `go.mod` points the staging modules
(`k8s.io/api`, `k8s.io/apiserver`, ...) at `./staging/...`. A small module of ours requires it and
replaces each staging module with its published `v0.x.y` twin, which is exactly what the release is
built from. etcd comes from the same module graph (`go.etcd.io/etcd/server/v3`, the version Kubernetes
itself pins), started through `etcdmain.Main` like the `etcd` binary does.

Binaries are cached per version under the user's cache folder, so every checkout on the machine (and CI
on a fresh clone) builds them once.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

KUBERNETES_VERSION = "1.35.4"
COMPONENTS = ("kube-apiserver", "kube-controller-manager")

ETCD_MAIN = """package main

import (
\t"os"

\t"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
"""

# Keeps the Kubernetes commands in the module graph, so `go mod tidy` resolves what they import.
TOOLS_GO = """//go:build tools

package tools

import (
\t_ "k8s.io/kubernetes/cmd/kube-apiserver"
\t_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
"""


class BuildError(RuntimeError):
    """The Go toolchain could not produce the binaries; the message carries the tail of its output."""


@dataclass(frozen=True)
class KubeBinaries:
    kube_apiserver: Path
    kube_controller_manager: Path
    etcd: Path


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "chatcluster"


def staging_replacements(kubernetes_go_mod: str, version: str) -> list[str]:
    """`k8s.io/x => k8s.io/x v0.N.M` for every `=> ./staging/...` line of Kubernetes' own go.mod."""
    staging_version = "v0." + version.split(".", 1)[1]
    modules = re.findall(r"^\s*(k8s\.io/[\w.-]+)\s+=>\s+\./staging/", kubernetes_go_mod, flags=re.MULTILINE)
    if not modules:
        raise BuildError("Kubernetes' go.mod has no staging replacements; the module layout changed")
    return [f"{module} => {module} {staging_version}" for module in modules]


def required_version(go_mod: str, module: str) -> str:
    match = re.search(rf"^\s*{re.escape(module)}\s+(v\S+)", go_mod, flags=re.MULTILINE)
    if match is None:
        raise BuildError(f"{module} is not in Kubernetes' go.mod")
    return match.group(1)


def builder_go_mod(kubernetes_go_mod: str, version: str) -> str:
    """Our module's go.mod: Kubernetes, the etcd server it pins, and the staging replacements."""
    go_directive = re.search(r"^go (\S+)", kubernetes_go_mod, flags=re.MULTILINE)
    etcd = required_version(kubernetes_go_mod, "go.etcd.io/etcd/server/v3")
    replaces = "\n".join(f"\t{line}" for line in staging_replacements(kubernetes_go_mod, version))
    return (
        "module chatcluster.dev/localkube\n\n"
        f"go {go_directive.group(1) if go_directive else '1.24.0'}\n\n"
        f"require (\n\tk8s.io/kubernetes v{version}\n\tgo.etcd.io/etcd/server/v3 {etcd}\n)\n\n"
        f"replace (\n{replaces}\n)\n"
    )


def version_ldflags(version: str) -> str:
    """Stamp the release version the way Kubernetes' own build does, so clients (helm's kubeVersion check,
    kubectl's skew warning) see v1.35.x rather than v0.0.0."""
    major, minor = version.split(".")[:2]
    flags = ["-s", "-w"]
    for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [
            f"-X {package}.gitVersion=v{version}",
            f"-X {package}.gitMajor={major}",
            f"-X {package}.gitMinor={minor}",
            f"-X {package}.gitTreeState=clean",
        ]
    return " ".join(flags)


def _go(args: list[str], cwd: Path, log: Path) -> None:
    env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"}
    with log.open("a") as out:
        result = subprocess.run(["go", *args], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        tail = "\n".join(log.read_text().splitlines()[-25:])
        raise BuildError(f"`go {' '.join(args)}` failed (exit {result.returncode}); log {log}:\n{tail}")


def _kubernetes_go_mod(version: str, workdir: Path, log: Path) -> str:
    env = {**os.environ, "GOFLAGS": "-mod=mod"}
    result = subprocess.run(
        ["go", "mod", "download", "-json", f"k8s.io/kubernetes@v{version}"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    log.open("a").write(result.stdout + result.stderr)
    if result.returncode != 0:
        raise BuildError(f"cannot download k8s.io/kubernetes@v{version} from the Go module proxy:\n{result.stderr}")
    return Path(json.loads(result.stdout)["GoMod"]).read_text()


def ensure_binaries(version: str = KUBERNETES_VERSION, root: Path | None = None) -> KubeBinaries:
    """Return the cached binaries, building them first (minutes, once per machine) when missing."""
    if shutil.which("go") is None:
        raise BuildError("Go is not installed; the local API server is built from Go modules")
    home = (root or cache_root()) / f"kube-{version}"
    bin_dir = home / "bin"
    binaries = KubeBinaries(bin_dir / "kube-apiserver", bin_dir / "kube-controller-manager", bin_dir / "etcd")
    home.mkdir(parents=True, exist_ok=True)
    with (home / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test sessions on one machine build once
        if all(path.is_file() for path in (binaries.kube_apiserver, binaries.kube_controller_manager, binaries.etcd)):
            return binaries
        src = home / "src"
        shutil.rmtree(src, ignore_errors=True)
        (src / "cmd" / "etcd").mkdir(parents=True)
        log = home / "build.log"
        log.write_text("")
        (src / "go.mod").write_text("module chatcluster.dev/probe\n\ngo 1.24.0\n")
        upstream = _kubernetes_go_mod(version, src, log)
        (src / "go.mod").write_text(builder_go_mod(upstream, version))
        (src / "cmd" / "etcd" / "main.go").write_text(ETCD_MAIN)
        (src / "tools.go").write_text(TOOLS_GO)
        _go(["mod", "tidy"], src, log)
        packages = [f"k8s.io/kubernetes/cmd/{name}" for name in COMPONENTS] + ["./cmd/etcd"]
        _go(["build", "-trimpath", f"-ldflags={version_ldflags(version)}", "-o", f"{bin_dir}/", *packages], src, log)
        return binaries
