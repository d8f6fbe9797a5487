"""Files holding what others on the machine must not read (password hashes, every direct message, the token key):
folders 0700 and files 0600, whatever the umask, including ones an older version created world-readable."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
# For child processes (nats-server, the services): whatever they create is theirs alone.
PRIVATE_UMASK = 0o077


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents, also 0700) or tighten it to 0700."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    path.chmod(PRIVATE_DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty or keep its content, 0600 either way; a missing folder is created 0700.

    An existing folder is left as it is: it may be one the user chose for more than ChatCluster."""
    path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE))
    path.chmod(PRIVATE_FILE_MODE)
    return path


def write_private(path: Path, text: str) -> None:
    """Write `text` to a file nobody else can read at any moment (not written first and restricted after)."""
    private_file(path)
    path.write_text(text)
