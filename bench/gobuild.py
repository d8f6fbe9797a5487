"""The Go programs the benchmarks run, built on this machine with the Go toolchain through the Go module proxy and
cached under ``~/.cache/chatcluster/`` (file-locked, so two runs build each once):

- Centrifugo v6.9.1 (`github.com/centrifugal/centrifugo/v6`), the fan-out reference;
- bench/loadgen, the project's own WebSocket load generator, cached by a hash of its sources.

Only `make bench` builds them (never `make test`): Centrifugo takes a few minutes on two cores the first time.

    .venv/bin/python bench/gobuild.py centrifugo|loadgen    (prints the binary's path)
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

CENTRIFUGO_VERSION = "6.9.1"
LOADGEN_SOURCES = Path(__file__).parent / "loadgen"


class GoBuildFailed(RuntimeError):
    """The Go toolchain is missing or a build failed; the message says why and where the log is."""


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "chatcluster"


def _build(home: Path, binary: Path, argv: list[str], cwd: Path, what: str) -> Path:
    if binary.is_file():
        return binary
    if shutil.which("go") is None:
        raise GoBuildFailed(f"Go is not installed; {what} is built from Go modules")
    home.mkdir(parents=True, exist_ok=True)
    with (home / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if binary.is_file():  # another run built it while this one waited
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


def _install(module: str, version: str, name: str, command: str) -> Path:
    home = cache_root() / f"{name}-{version}"
    argv = ["go", "install", "-trimpath", "-ldflags=-s -w", f"{module}@v{version}"]
    return _build(home, home / "bin" / command, argv, home, f"{module}@v{version}")


def ensure_centrifugo() -> Path:
    return _install("github.com/centrifugal/centrifugo/v6", CENTRIFUGO_VERSION, "centrifugo", "centrifugo")


def loadgen_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(LOADGEN_SOURCES.rglob("*")):
        if path.is_file() and path.suffix in {".go", ".mod", ".sum"} and not path.name.endswith("_test.go"):
            digest.update(path.relative_to(LOADGEN_SOURCES).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_loadgen() -> Path:
    home = cache_root() / f"loadgen-{loadgen_hash()}"
    binary = home / "bin" / "loadgen"
    argv = ["go", "build", "-trimpath", "-o", str(binary), "."]
    return _build(home, binary, argv, LOADGEN_SOURCES, "bench/loadgen")


if __name__ == "__main__":
    builders = {"centrifugo": ensure_centrifugo, "loadgen": ensure_loadgen}
    if len(sys.argv) != 2 or sys.argv[1] not in builders:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(builders)}")
    print(builders[sys.argv[1]]())
