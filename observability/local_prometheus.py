"""Run Debian's Prometheus against a local platform (`make up`), with the ChatCluster rules loaded.

    .venv/bin/python observability/local_prometheus.py URL [URL...]

With no URLs it follows `.chatcluster/metrics-targets.json`, which `make up`
rewrites at every start (the persister, scorer and aggregator get a free port
each run), through Prometheus's file-based discovery; or pass the metrics URLs
`make up` prints. Prometheus listens on
http://127.0.0.1:9090 (`--port` to change), keeps its data in
.chatcluster/prometheus/ and stops on Ctrl-C. The real-Prometheus test builds
its configuration with `config()` below.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "observability" / "prometheus" / "alerts.yaml"
TARGETS_FILE = ROOT / ".chatcluster" / "metrics-targets.json"


def config(metrics_urls: Iterable[str], rules: Path = RULES, scrape_seconds: int = 5) -> dict[str, Any]:
    """A prometheus.yml: one `chatcluster` job scraping every URL, the ChatCluster rules loaded."""
    by_path: dict[str, list[str]] = defaultdict(list)
    for url in metrics_urls:
        where = urlparse(url)
        by_path[where.path or "/metrics"].append(where.netloc)
    jobs = [
        {
            "job_name": "chatcluster" if index == 0 else f"chatcluster-{index}",
            "metrics_path": path,
            "static_configs": [{"targets": targets}],
        }
        for index, (path, targets) in enumerate(sorted(by_path.items()))
    ]
    interval = f"{scrape_seconds}s"
    return {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": [str(rules)],
        "scrape_configs": jobs,
    }


def discovered_config(targets_file: Path, rules: Path = RULES, scrape_seconds: int = 5) -> dict[str, Any]:
    """A prometheus.yml following the targets file the local supervisor writes (file-based discovery)."""
    interval = f"{scrape_seconds}s"
    return {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": [str(rules)],
        "scrape_configs": [
            {
                "job_name": "chatcluster",
                "file_sd_configs": [{"files": [str(targets_file)], "refresh_interval": interval}],
            }
        ],
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="*", help="metrics URLs printed by `make up` (default: follow its targets file)")
    parser.add_argument("--port", type=int, default=9090)
    parser.add_argument("--data", type=Path, default=ROOT / ".chatcluster" / "prometheus")
    args = parser.parse_args(argv)
    binary = shutil.which("prometheus") or "/usr/bin/prometheus"
    if not Path(binary).exists():
        print("prometheus not found: sudo apt-get install prometheus", file=sys.stderr)
        return 1
    args.data.mkdir(parents=True, exist_ok=True)
    config_file = args.data / "prometheus.yml"
    if args.urls:
        chosen, scraping = config(args.urls), ", ".join(args.urls)
    elif TARGETS_FILE.is_file():
        chosen, scraping = discovered_config(TARGETS_FILE), f"the targets in {TARGETS_FILE}"
    else:
        print(f"no URLs given and no {TARGETS_FILE}: start the platform with `make up` first", file=sys.stderr)
        return 1
    config_file.write_text(yaml.safe_dump(chosen, sort_keys=False))
    print(f"scraping {scraping}\nPrometheus at http://127.0.0.1:{args.port} (alerts: /alerts); Ctrl-C stops")
    command = [
        binary,
        f"--config.file={config_file}",
        f"--storage.tsdb.path={args.data / 'data'}",
        f"--web.listen-address=127.0.0.1:{args.port}",
        "--log.level=warn",
    ]
    process = subprocess.Popen(command)
    signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    try:
        return process.wait()
    except KeyboardInterrupt:  # stop Prometheus (a terminal's Ctrl-C reached it already) and let it close its database
        process.send_signal(signal.SIGINT)
        return process.wait()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
