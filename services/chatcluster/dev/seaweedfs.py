"""SeaweedFS, a real S3-compatible object store: the S3 BlobStore's test server.

`ensure_weed()` builds `github.com/seaweedfs/seaweedfs/weed` from Go modules (about five minutes on two cores,
once per machine: cached per version under `~/.cache/chatcluster/`, file-locked so two sessions build it once).
`go install` refuses the module because its go.mod has a `replace`, so a small module requires the pinned
pseudo-version and repeats that one replace. `LocalSeaweed` runs `weed server -s3` on free loopback ports.

    python -m chatcluster.dev.seaweedfs install     (what `make test-deps` runs)
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

SEAWEED_VERSION = "v0.0.0-20261109003541-7506e5f91cd6"
SEAWEED_MODULE = "github.com/seaweedfs/seaweedfs"
SEAWEED_REPLACE = "github.com/tyler-smith/go-bip39 => github.com/cosmos/go-bip39 v1.0.0"
START_TIMEOUT_SECONDS = 60.0
LOOPBACK = "127.0.0.1"
ACCESS_KEY = "chatcluster"
SECRET_KEY = "chatcluster-secret"


class SeaweedUnavailable(RuntimeError):
    """SeaweedFS cannot be built here (no Go toolchain) or did not build or start; the message says why."""


def cache_home(version: str = SEAWEED_VERSION) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "chatcluster" / f"seaweedfs-{version.rsplit('-', 1)[-1]}"


def _go(args: list[str], cwd: Path, log: Path) -> None:
    env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"}
    with log.open("a") as out:
        result = subprocess.run(["go", *args], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        tail = "\n".join(log.read_text().splitlines()[-25:])
        raise SeaweedUnavailable(f"`go {' '.join(args)}` failed (exit {result.returncode}); log {log}:\n{tail}")


def ensure_weed(version: str = SEAWEED_VERSION, home: Path | None = None) -> Path:
    """The cached `weed` binary, built first when missing."""
    home = home or cache_home(version)
    binary = home / "bin" / "weed"
    if binary.is_file():
        return binary
    if shutil.which("go") is None:
        raise SeaweedUnavailable("Go is not installed; SeaweedFS is built from Go modules")
    home.mkdir(parents=True, exist_ok=True)
    with (home / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if binary.is_file():  # another session built it while this one waited
            return binary
        src = home / "src"
        shutil.rmtree(src, ignore_errors=True)
        src.mkdir(parents=True)
        log = home / "build.log"
        log.write_text("")
        (src / "go.mod").write_text(f"module chatcluster.dev/weed\n\ngo 1.24.0\n\nreplace {SEAWEED_REPLACE}\n")
        _go(["get", f"{SEAWEED_MODULE}@{version}"], src, log)
        _go(["build", "-trimpath", "-ldflags=-s -w", "-o", str(binary), f"{SEAWEED_MODULE}/weed"], src, log)
        if not binary.is_file():
            raise SeaweedUnavailable(f"the SeaweedFS build left no binary; log {log}")
    return binary


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def _free_port_pair() -> int:
    """A port P with P+10000 also free: weed derives each gRPC port as its HTTP port + 10000."""
    for _ in range(50):
        port = _free_port()
        if port + 10000 > 65535:
            continue
        with socket.socket() as sock:
            try:
                sock.bind((LOOPBACK, port + 10000))
            except OSError:
                continue
        return port
    raise SeaweedUnavailable("no pair of free loopback ports (P, P+10000) for SeaweedFS")


class LocalSeaweed:
    """`weed server -s3` (master, volume, filer, S3 gateway) on free loopback ports; `endpoint` is the S3 URL."""

    def __init__(self, binary: Path, home: Path) -> None:
        self.binary = binary
        self.home = home
        self.master_port = _free_port_pair()
        self.volume_port = _free_port_pair()
        self.filer_port = _free_port_pair()
        self.s3_port = _free_port_pair()
        self.access_key = ACCESS_KEY
        self.secret_key = SECRET_KEY
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{LOOPBACK}:{self.s3_port}"

    def start(self) -> None:
        data = self.home / "data"
        data.mkdir(parents=True, exist_ok=True)
        s3_config = self.home / "s3.json"
        identity = {
            "name": "chatcluster",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        s3_config.write_text(json.dumps({"identities": [identity]}))
        argv = [
            str(self.binary),
            "server",
            "-s3",
            f"-ip={LOOPBACK}",
            f"-ip.bind={LOOPBACK}",
            f"-dir={data}",
            f"-master.port={self.master_port}",
            f"-volume.port={self.volume_port}",
            f"-filer.port={self.filer_port}",
            f"-s3.port={self.s3_port}",
            f"-s3.config={s3_config}",
            "-volume.max=0",
            "-master.volumeSizeLimitMB=64",
        ]
        with (self.home / "weed.log").open("ab") as out:
            self._process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=self.home)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if self._process.poll() is not None:
                raise SeaweedUnavailable(f"weed exited with code {self._process.returncode}; see {self.home}/weed.log")
            try:
                # Any HTTP answer from the S3 port (403 without a signature) means the gateway is serving.
                if httpx.get(self.endpoint, timeout=1).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise SeaweedUnavailable(f"SeaweedFS S3 did not answer within {START_TIMEOUT_SECONDS:.0f}s")
            time.sleep(0.2)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m chatcluster.dev.seaweedfs")
    parser.add_argument("command", choices=["install"], help="build SeaweedFS into the cache unless it is there")
    parser.parse_args()
    try:
        print(f"seaweedfs {SEAWEED_VERSION}: {ensure_weed()}")
    except SeaweedUnavailable as exc:
        # The S3 BlobStore tests then skip (or fail under CHATCLUSTER_REQUIRE_ALL=1); everything else still runs.
        print(f"note: {exc}")


if __name__ == "__main__":
    main()
