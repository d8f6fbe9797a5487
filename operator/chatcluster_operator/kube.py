"""The one module that talks to the Kubernetes API (everything else in the operator is pure data).

Desired objects are applied with server-side apply under one field manager, so re-applying is
idempotent, a field changed by hand is put back, and fields other managers own (an HPA's replicas,
a kubelet's status) are left alone. Secrets are created once and never patched: regenerating a
credential by accident would lock every running client out.
"""

from __future__ import annotations

import contextlib
from typing import Any, cast

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import NotFoundError, ResourceNotFoundError
from kubernetes.dynamic.resource import Resource

from chatcluster_operator.naming import GROUP, MANAGED_BY, PLURAL, VERSION

FIELD_MANAGER = MANAGED_BY

Manifest = dict[str, Any]


def load_kube_config() -> None:
    """In a pod: the ServiceAccount; elsewhere: $KUBECONFIG or ~/.kube/config."""
    try:
        config.load_incluster_config()
    except config.ConfigException:
        config.load_kube_config()


class ClusterApi:
    def __init__(self, api_client: client.ApiClient | None = None) -> None:
        self._api_client = api_client or client.ApiClient()
        self._dynamic = DynamicClient(self._api_client)

    def _resource(self, api_version: str, kind: str) -> Resource:
        return cast(Resource, self._dynamic.resources.get(api_version=api_version, kind=kind))

    def apply(self, manifest: Manifest, field_manager: str = FIELD_MANAGER) -> Manifest:
        """Server-side apply: our manager owns exactly the fields in `manifest`; conflicts are taken over."""
        resource = self._resource(manifest["apiVersion"], manifest["kind"])
        applied = self._dynamic.server_side_apply(
            resource, body=manifest, field_manager=field_manager, force_conflicts=True
        )
        return cast(Manifest, applied.to_dict())

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> Manifest | None:
        try:
            found = self._resource(api_version, kind).get(name=name, namespace=namespace)
        except NotFoundError:
            return None
        return cast(Manifest, found.to_dict())

    def create_if_absent(self, manifest: Manifest) -> bool:
        """Create `manifest` unless an object of that name exists; True when it was created now."""
        resource = self._resource(manifest["apiVersion"], manifest["kind"])
        metadata = manifest["metadata"]
        try:
            resource.get(name=metadata["name"], namespace=metadata.get("namespace"))
            return False
        except NotFoundError:
            pass
        try:
            self._dynamic.create(resource, body=manifest, namespace=metadata.get("namespace"))
        except ApiException as error:
            if error.status == 409:  # another replica won the race; theirs is as good as ours
                return False
            raise
        return True

    def list(self, api_version: str, kind: str, namespace: str, label_selector: str) -> list[Manifest]:
        resource = self._resource(api_version, kind)
        found = resource.get(namespace=namespace, label_selector=label_selector)
        return [cast(Manifest, item.to_dict()) for item in found.items]

    def delete(self, api_version: str, kind: str, namespace: str, name: str, propagation: str = "Background") -> None:
        """Delete with background propagation (a Job's pods go too) unless told otherwise (Orphan keeps the
        pods running); an object already gone is fine."""
        with contextlib.suppress(NotFoundError):
            self._resource(api_version, kind).delete(name=name, namespace=namespace, propagation_policy=propagation)

    def kind_served(self, api_version: str, kind: str) -> bool:
        """Whether the API serves `kind` (e.g. a ServiceMonitor exists only where prometheus-operator is)."""
        try:
            self._resource(api_version, kind)
        except ResourceNotFoundError:
            self._dynamic.resources.invalidate_cache()  # a CRD installed later must be seen on the next pass
            return False
        return True

    def patch_cluster_status(self, namespace: str, name: str, status: dict[str, Any]) -> None:
        client.CustomObjectsApi(self._api_client).patch_namespaced_custom_object_status(
            GROUP, VERSION, namespace, PLURAL, name, {"status": status}
        )

    def get_cluster(self, namespace: str, name: str) -> Manifest | None:
        try:
            found = client.CustomObjectsApi(self._api_client).get_namespaced_custom_object(
                GROUP, VERSION, namespace, PLURAL, name
            )
        except ApiException as error:
            if error.status == 404:
                return None
            raise
        return cast(Manifest, found)
