"""PromQL text for the dashboards: every selector is scoped to the $cluster and $namespace variables.

Every series a ChatCluster process exports carries `chatcluster_cluster_name`
(the OTel resource attribute `chatcluster.cluster.name`, copied onto each
series by the exporter) and, on Kubernetes, the `namespace` the scrape config
adds. Locally (`make up`) no series has a `namespace` label; `namespace=~".*"`
(the variable's "All") still matches, because a missing label equals "".
"""

from __future__ import annotations

from observability import catalogue as m

SCOPE = (f'{m.CLUSTER}=~"$cluster"', f'{m.NAMESPACE}=~"$namespace"')
RATE_WINDOW = "$__rate_interval"


def eq(label: str, value: str) -> str:
    return f'{label}="{value}"'


def sel(metric: str, *matchers: str) -> str:
    """`metric{cluster and namespace scope, matchers…}`."""
    return f"{metric}{{{', '.join((*SCOPE, *matchers))}}}"


def rate(metric: str, *matchers: str, window: str = RATE_WINDOW) -> str:
    return f"rate({sel(metric, *matchers)}[{window}])"


def increase(metric: str, *matchers: str, window: str = "$__range") -> str:
    return f"increase({sel(metric, *matchers)}[{window}])"


def by(labels: tuple[str, ...]) -> str:
    return f" by ({', '.join(labels)})" if labels else ""


def sum_rate(metric: str, *matchers: str, by_: tuple[str, ...] = ()) -> str:
    return f"sum{by(by_)} ({rate(metric, *matchers)})"


def quantile(q: float, histogram: str, *matchers: str, by_: tuple[str, ...] = ()) -> str:
    """The q-quantile of a histogram (base name) over the rate window, per `by_`."""
    return f"histogram_quantile({q}, sum{by(('le', *by_))} ({rate(histogram + '_bucket', *matchers)}))"


def count_rate(histogram: str, *matchers: str, by_: tuple[str, ...] = ()) -> str:
    """Observations per second of a histogram (its `_count`)."""
    return sum_rate(histogram + "_count", *matchers, by_=by_)
