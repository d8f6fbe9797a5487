"""The credentials Secrets. Created once, never patched: regenerating a password by accident would lock out
every running client (and Cassandra keeps the role passwords in its own tables).

`new_secret` is passed in (in production `secrets.token_urlsafe`) so this stays pure and testable. Values must be
URL-safe: they are spliced into `nats://user:password@...` and `cassandra://user:password@...` URLs and into CQL
string literals.
"""

from __future__ import annotations

from collections.abc import Callable

from chatcluster_operator.builders.meta import Manifest, object_meta
from chatcluster_operator.naming import (
    CREATE_ONLY_ANNOTATION,
    VERSION_LABEL,
    ClusterRef,
    Component,
    cassandra_credentials,
    nats_credentials,
    token_key,
)
from chatcluster_operator.spec import ChatClusterSpec

NATS_USER = "chatcluster"
CASSANDRA_USER = "chatcluster"  # the services' role: owns the chatcluster keyspace, not a superuser
CASSANDRA_ADMIN_USER = "chatcluster_admin"  # the superuser that replaces Cassandra's default `cassandra`

USERNAME_KEY = "username"
PASSWORD_KEY = "password"
ADMIN_USERNAME_KEY = "admin-username"
ADMIN_PASSWORD_KEY = "admin-password"
TOKEN_KEY = "token-secret"


def _secret(
    ref: ClusterRef, name: str, component: Component, version: str, data: dict[str, str], *, owned: bool
) -> Manifest:
    meta = object_meta(ref, name, component, version, annotations={CREATE_ONLY_ANNOTATION: "true"}, owned=owned)
    del meta["labels"][VERSION_LABEL]  # never patched, so a version label would go stale at the first upgrade
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": meta, "stringData": data}


def credential_secrets(ref: ClusterRef, spec: ChatClusterSpec, new_secret: Callable[[], str]) -> list[Manifest]:
    # The Cassandra credentials live as long as the volumes holding the roles they unlock: when the volumes are
    # kept on delete, so is the Secret (no owner reference), and a re-created ChatCluster of the same name can
    # still log in. NATS keeps no credentials on disk and the token key only signs sessions, so both are owned.
    keep_with_volumes = not spec.storage.delete_pvcs_on_delete
    return [
        _secret(
            ref,
            nats_credentials(ref),
            Component.NATS,
            spec.version,
            {USERNAME_KEY: NATS_USER, PASSWORD_KEY: new_secret()},
            owned=True,
        ),
        _secret(
            ref,
            cassandra_credentials(ref),
            Component.CASSANDRA,
            spec.version,
            {
                USERNAME_KEY: CASSANDRA_USER,
                PASSWORD_KEY: new_secret(),
                ADMIN_USERNAME_KEY: CASSANDRA_ADMIN_USER,
                ADMIN_PASSWORD_KEY: new_secret(),
            },
            owned=not keep_with_volumes,
        ),
        _secret(ref, token_key(ref), Component.GATEWAY, spec.version, {TOKEN_KEY: new_secret()}, owned=True),
    ]
