"""The `cassandra-roles` init container of the migration Job: Cassandra roles from the credentials Secret.

A fresh cluster with PasswordAuthenticator has one role, the well-known `cassandra`/`cassandra` superuser. The
script (idempotent, run before every migration):
1. logs in as the Secret's admin role; on a fresh cluster, creates that role through the default superuser first;
2. disables the default superuser (its password is public knowledge);
3. creates the services' role, or resets its password from the Secret when it cannot log in (so rotating the
   Secret and re-running the Job rotates the password; Cassandra 5 refuses two password changes of a role within
   5 s, hence no unconditional ALTER), and lets it create keyspaces: the role that creates the chatcluster
   keyspace owns it, and every table the migrations create in it.
It waits while the cluster comes up (logins need a quorum of the system_auth replicas) and gives up after
ROLE_SETUP_SECONDS with a message, which fails the Job and shows in the ChatCluster's Degraded condition.
"""

from __future__ import annotations

from typing import Any

from chatcluster_operator.builders.env import CA_PATH, CQL_PORT, KEYSPACE, ca_volume
from chatcluster_operator.builders.meta import container_security, resources, secret_env
from chatcluster_operator.builders.secrets import ADMIN_PASSWORD_KEY, ADMIN_USERNAME_KEY, PASSWORD_KEY, USERNAME_KEY
from chatcluster_operator.naming import ClusterRef, Component, cassandra_credentials, service_dns, workload_name
from chatcluster_operator.spec import ChatClusterSpec

ROLE_SETUP_SECONDS = 1800

ROLES_SCRIPT = f"""set -u
umask 077
mkdir -p "$HOME/.cassandra"
# Passwords go to cqlsh through files and stdin, written by the shell's own printf: never on a command line.
login() {{ printf '[PlainTextAuthProvider]\\nusername = %s\\npassword = %s\\n' "$2" "$3" > "$HOME/.cassandra/$1"; }}
login admin "$ADMIN_USERNAME" "$ADMIN_PASSWORD"
login default cassandra cassandra
login app "$APP_USERNAME" "$APP_PASSWORD"
if [ -n "${{SSL_CERTFILE:-}}" ]; then
  printf '[connection]\\nssl = true\\n[ssl]\\ncertfile = %s\\nvalidate = true\\n' "$SSL_CERTFILE" \\
    > "$HOME/.cassandra/cqlshrc"
fi
cql() {{ printf '%s;\\n' "$2" | cqlsh "$CASSANDRA_HOST" {CQL_PORT} --connect-timeout=10 --request-timeout=60 \\
  --credentials="$HOME/.cassandra/$1"; }}
admin() {{ cql admin "$1"; }}
deadline=$(( $(date +%s) + {ROLE_SETUP_SECONDS} ))
until admin "SELECT now() FROM system.local" >/dev/null 2>&1; do
  if cql default "CREATE ROLE IF NOT EXISTS \\"$ADMIN_USERNAME\\" WITH PASSWORD = '$ADMIN_PASSWORD' \\
      AND SUPERUSER = true AND LOGIN = true" >/dev/null 2>&1; then
    echo "created the admin role $ADMIN_USERNAME"
    continue
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "neither $ADMIN_USERNAME (password from the Secret) nor the default superuser can log in" >&2
    exit 1
  fi
  echo "waiting for Cassandra at $CASSANDRA_HOST to accept logins"
  sleep 10
done
admin "ALTER ROLE cassandra WITH SUPERUSER = false AND LOGIN = false" >/dev/null 2>&1 \\
  && echo "disabled the default superuser"
set -e
app_login() {{ cql app "SELECT now() FROM system.local" >/dev/null 2>&1; }}
if ! app_login; then
  admin "CREATE ROLE IF NOT EXISTS \\"$APP_USERNAME\\" WITH PASSWORD = '$APP_PASSWORD' AND LOGIN = true"
  app_login || admin "ALTER ROLE \\"$APP_USERNAME\\" WITH PASSWORD = '$APP_PASSWORD'"
fi
admin "GRANT CREATE ON ALL KEYSPACES TO \\"$APP_USERNAME\\""
admin "GRANT ALL PERMISSIONS ON KEYSPACE {KEYSPACE} TO \\"$APP_USERNAME\\"" >/dev/null 2>&1 || true
echo "role $APP_USERNAME is ready"
"""


def roles_container(ref: ClusterRef, spec: ChatClusterSpec) -> dict[str, Any]:
    secret = cassandra_credentials(ref)
    return {
        "name": "cassandra-roles",
        "image": spec.cassandra.image,  # it brings cqlsh
        "imagePullPolicy": "IfNotPresent",
        "command": ["sh", "-c", ROLES_SCRIPT],
        "env": [
            {"name": "CASSANDRA_HOST", "value": service_dns(ref, workload_name(ref, Component.CASSANDRA))},
            secret_env("ADMIN_USERNAME", secret, ADMIN_USERNAME_KEY),
            secret_env("ADMIN_PASSWORD", secret, ADMIN_PASSWORD_KEY),
            secret_env("APP_USERNAME", secret, USERNAME_KEY),
            secret_env("APP_PASSWORD", secret, PASSWORD_KEY),
            {"name": "HOME", "value": "/tmp"},  # cqlsh writes its history there
            *([{"name": "SSL_CERTFILE", "value": CA_PATH}] if spec.tls.enabled else []),
        ],
        "resources": resources(Component.MIGRATE, spec.migration.resources),
        "securityContext": container_security(),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}, *ca_volume(ref, spec)[1]],
    }
