"""The Go programs the benchmarks run, built on this machine with the Go toolchain through the Go module proxy and
cached under ``~/.cache/chatcluster/`` (file-locked, so two runs build each once):

- Centrifugo v6.9.1 (`github.com/centrifugal/centrifugo/v6`), the fan-out reference;
- bench/loadgen, the project's own WebSocket load generator, cached by a hash of its sources.

Only `make bench` builds them (never `make test`): Centrifugo takes a few minutes on two cores the first time.

    .venv/bin/python bench/gobuild.py centrifugo|loadgen    (prints the binary's path)
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from chatcluster.dev.gobuild import build_cached, cache_root, go_install_cached

CENTRIFUGO_VERSION = "6.9.1"
LOADGEN_SOURCES = Path(__file__).parent / "loadgen"


def _install(module: str, version: str, name: str, command: str) -> Path:
    return go_install_cached(module, version, cache_root() / f"{name}-{version}", command)


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
    return build_cached(home, binary, argv, LOADGEN_SOURCES, "bench/loadgen")


if __name__ == "__main__":
    builders = {"centrifugo": ensure_centrifugo, "loadgen": ensure_loadgen}
    if len(sys.argv) != 2 or sys.argv[1] not in builders:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(builders)}")
    print(builders[sys.argv[1]]())
