"""Tools built from Go modules once per machine: cached under `~/.cache/chatcluster/`, file-locked so two
sessions that need the same tool build it once (Mailpit, kube-score, Centrifugo, the load generator)."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path


class GoBuildFailed(RuntimeError):
    """The Go toolchain is missing or a build failed; the message says why and where the log is."""


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "chatcluster"


def build_cached(home: Path, binary: Path, argv: list[str], cwd: Path, what: str) -> Path:
    """`binary`, built by running `argv` (a Go build writing to GOBIN=`binary`'s folder) unless it exists."""
    if binary.is_file():
        return binary
    if shutil.which("go") is None:
        raise GoBuildFailed(f"Go is not installed; {what} is built from Go modules (`go install`)")
    home.mkdir(parents=True, exist_ok=True)
    with (home / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if binary.is_file():  # another session built it while this one waited
            return binary
        print(f"building {what} (once, cached in {home}) ...", file=sys.stderr, flush=True)
        log = home / "build.log"
        env = {**os.environ, "GOBIN": str(binary.parent), "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"}
        with log.open("w") as out:
            built = subprocess.run(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
        if built.returncode != 0 or not binary.is_file():
            tail = "\n".join(log.read_text().splitlines()[-20:])
            raise GoBuildFailed(f"building {what} failed; log {log}:\n{tail}")
    return binary


def go_install_cached(package: str, version: str, home: Path, command: str) -> Path:
    """`go install package@vversion` into `home`/bin once; the path of its `command` binary."""
    argv = ["go", "install", "-trimpath", "-ldflags=-s -w", f"{package}@v{version}"]
    return build_cached(home, home / "bin" / command, argv, home, f"{package}@v{version}")
