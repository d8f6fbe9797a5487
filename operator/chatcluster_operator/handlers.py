"""Kopf handlers: thin. Each one hands the ChatCluster to `reconcile` and turns its outcome into Events.

- create / update / resume: converge now;
- a timer re-applies the desired state and refreshes the status every `CHATCLUSTER_OPERATOR_RESYNC_SECONDS`
  (default 60), which is what puts a hand-made change to an owned object back (Strimzi does the same);
- events of owned workloads refresh the status at once, so `kubectl get cc` follows the rollout.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any, cast

import kopf

from chatcluster_operator.kube import ClusterApi, load_kube_config
from chatcluster_operator.naming import GROUP, MANAGED_BY, MANAGED_BY_LABEL, PLURAL, VERSION
from chatcluster_operator.reconcile import ReconcileOutcome, reconcile, refresh_status

RESYNC_SECONDS = float(os.environ.get("CHATCLUSTER_OPERATOR_RESYNC_SECONDS", "60"))
# How long a silent peer counts as alive: a standby replica takes over this long after the leader dies.
PEERING_LIFETIME_SECONDS = int(os.environ.get("CHATCLUSTER_OPERATOR_PEERING_LIFETIME", "60"))

_local = threading.local()


def api() -> ClusterApi:
    """A client per worker thread: Kopf runs sync handlers in a thread pool, and the dynamic client's discovery
    cache is not safe to share between threads."""
    client: ClusterApi | None = getattr(_local, "api", None)
    if client is None:
        load_kube_config()
        client = _local.api = ClusterApi()
    return client


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
    settings.persistence.finalizer = "chatcluster.dev/operator"
    settings.posting.level = logging.WARNING  # our own kopf.event() calls plus failures; not every success
    settings.watching.server_timeout = 300
    settings.execution.max_workers = 8
    settings.peering.lifetime = PEERING_LIFETIME_SECONDS


def _report(outcome: ReconcileOutcome, body: kopf.Body) -> None:
    for event in outcome.events:
        kopf.event(body, type=event.type, reason=event.reason, message=event.message)


@kopf.on.resume(GROUP, VERSION, PLURAL)
@kopf.on.create(GROUP, VERSION, PLURAL)
@kopf.on.update(GROUP, VERSION, PLURAL)
def converge(body: kopf.Body, **_: Any) -> None:
    _report(reconcile(api(), body), body)


@kopf.timer(GROUP, VERSION, PLURAL, interval=RESYNC_SECONDS, initial_delay=RESYNC_SECONDS, idle=0)
def resync(body: kopf.Body, **_: Any) -> None:
    _report(reconcile(api(), body), body)


def _owned(labels: kopf.Labels, **_: Any) -> bool:
    return labels.get(MANAGED_BY_LABEL) == MANAGED_BY


@kopf.on.event("apps", "v1", "deployments", when=_owned)
@kopf.on.event("apps", "v1", "statefulsets", when=_owned)
@kopf.on.event("batch", "v1", "jobs", when=_owned)
def workload_changed(body: kopf.Body, **_: Any) -> None:
    for owner in body.metadata.get("ownerReferences", []):
        if owner.get("kind") == "ChatCluster" and owner.get("controller"):
            cluster = api().get_cluster(body.metadata.namespace or "", owner["name"])
            if cluster is not None:
                _report(refresh_status(api(), cluster), kopf.Body(cast(kopf.RawBody, cluster)))
