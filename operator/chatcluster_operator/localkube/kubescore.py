"""kube-score, the static checker platform teams run over manifests, built from its Go module.

`ensure_kube_score()` builds `github.com/zegl/kube-score/cmd/kube-score` with `go install` through the Go module
proxy (once per machine: cached per version under `~/.cache/chatcluster/`, file-locked so two test sessions build
it once), like the local API server and Mailpit.

    python -m chatcluster_operator.localkube.kubescore install     (what `make test-deps` runs)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from chatcluster.dev.gobuild import GoBuildFailed, go_install_cached
from chatcluster_operator.localkube.build import BuildError, cache_root

KUBE_SCORE_VERSION = "1.20.0"
KUBE_SCORE_PACKAGE = "github.com/zegl/kube-score/cmd/kube-score"


def ensure_kube_score(version: str = KUBE_SCORE_VERSION, root: Path | None = None) -> Path:
    """The cached `kube-score` binary, built first when missing."""
    home = (root or cache_root()) / f"kube-score-{version}"
    try:
        return go_install_cached(KUBE_SCORE_PACKAGE, version, home, "kube-score")
    except GoBuildFailed as exc:
        raise BuildError(str(exc)) from exc


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m chatcluster_operator.localkube.kubescore")
    parser.add_argument("command", choices=["install"], help="build kube-score into the cache unless it is there")
    parser.parse_args()
    print(ensure_kube_score())


if __name__ == "__main__":
    main()
