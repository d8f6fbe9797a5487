"""The Grafana dashboards the operator ships next to every ChatCluster (as ConfigMaps for Grafana's sidecar).

The JSON is generated in `observability/dashboards/` (one source); the wheel carries a copy inside this
package (see `force-include` in pyproject.toml), a source checkout reads the folder itself.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path


def _folder() -> Path:
    packaged = Path(str(resources.files("chatcluster_operator"))) / "dashboards"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "observability" / "dashboards"


@cache
def dashboards() -> dict[str, str]:
    """Dashboard file name → JSON text."""
    return {path.name: path.read_text() for path in sorted(_folder().glob("*.json"))}
