"""The schema migration Job: Cassandra roles from the Secret, then `chatcluster store migrate`.

A Job's pod template is immutable, so the Job's name carries a hash of the template: a new version (a new image)
or any other change to the template gets a new Job, and re-running is harmless (migrations are idempotent and
taken under a lease). ttlSecondsAfterFinished stays unset: the status reads the finished Job to report it.
"""

from __future__ import annotations

import json
from typing import Any

from chatcluster_operator.builders.cassandra_roles import roles_container
from chatcluster_operator.builders.env import ca_volume, service_env, writable_volumes
from chatcluster_operator.builders.meta import (
    SERVICE_UID,
    Manifest,
    container_security,
    object_meta,
    pod_basics,
    pod_security,
    resources,
)
from chatcluster_operator.naming import ClusterRef, Component, labels, migrate_job
from chatcluster_operator.spec import ChatClusterSpec

BACKOFF_LIMIT = 6


def _pod_template(ref: ClusterRef, spec: ChatClusterSpec) -> dict[str, Any]:
    volumes, mounts = writable_volumes()
    ca_volumes, ca_mounts = ca_volume(ref, spec)
    return {
        "metadata": {"labels": labels(ref, Component.MIGRATE, spec.version)},
        "spec": {
            **pod_basics(),
            # Never: a failed attempt's pod stays for `kubectl logs`; the Job makes a new one (backoffLimit).
            "restartPolicy": "Never",
            "enableServiceLinks": False,  # service-link variables such as <NAME>_GATEWAY_PORT could clash
            "securityContext": pod_security(SERVICE_UID),
            "initContainers": [roles_container(ref, spec)],
            "containers": [
                {
                    "name": "migrate",
                    "image": spec.service_image,
                    "imagePullPolicy": spec.image_pull_policy,
                    "args": ["chatcluster", "store", "migrate"],
                    "env": service_env(ref, spec, Component.MIGRATE),
                    "resources": resources(Component.MIGRATE, spec.migration.resources),
                    "securityContext": container_security(),
                    "volumeMounts": [*mounts, *ca_mounts],
                }
            ],
            "volumes": [*volumes, *ca_volumes],
        },
    }


def migration_job(ref: ClusterRef, spec: ChatClusterSpec) -> Manifest:
    template = _pod_template(ref, spec)
    name = migrate_job(ref, json.dumps(template, sort_keys=True))
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": object_meta(ref, name, Component.MIGRATE, spec.version),
        "spec": {"backoffLimit": BACKOFF_LIMIT, "template": template},
    }
