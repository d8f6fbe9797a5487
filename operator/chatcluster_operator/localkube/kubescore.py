"""kube-score, the static checker platform teams run over manifests, built from its Go module.

`ensure_kube_score()` builds `github.com/zegl/kube-score/cmd/kube-score` with `go install` through the Go module
proxy (once per machine: cached per version under `~/.cache/chatcluster/`, file-locked so two test sessions build
it once), like the local API server and Mailpit.

    python -m chatcluster_operator.localkube.kubescore install     (what `make test-deps` runs)
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import subprocess
from pathlib import Path

from chatcluster_operator.localkube.build import BuildError, cache_root

KUBE_SCORE_VERSION = "1.20.0"
KUBE_SCORE_PACKAGE = "github.com/zegl/kube-score/cmd/kube-score"


def ensure_kube_score(version: str = KUBE_SCORE_VERSION, root: Path | None = None) -> Path:
    """The cached `kube-score` binary, built first when missing."""
    home = (root or cache_root()) / f"kube-score-{version}"
    binary = home / "bin" / "kube-score"
    if binary.is_file():
        return binary
    if shutil.which("go") is None:
        raise BuildError("Go is not installed; kube-score is built from Go modules (`go install`)")
    home.mkdir(parents=True, exist_ok=True)
    with (home / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if binary.is_file():  # another session built it while this one waited
            return binary
        log = home / "build.log"
        env = {**os.environ, "GOBIN": str(binary.parent), "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"}
        with log.open("w") as out:
            built = subprocess.run(
                ["go", "install", "-trimpath", "-ldflags=-s -w", f"{KUBE_SCORE_PACKAGE}@v{version}"],
                cwd=home,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if built.returncode != 0 or not binary.is_file():
            tail = "\n".join(log.read_text().splitlines()[-20:])
            raise BuildError(f"`go install {KUBE_SCORE_PACKAGE}@v{version}` failed; log {log}:\n{tail}")
    return binary


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m chatcluster_operator.localkube.kubescore")
    parser.add_argument("command", choices=["install"], help="build kube-score into the cache unless it is there")
    parser.parse_args()
    print(ensure_kube_score())


if __name__ == "__main__":
    main()
