"""Pure builders: a ClusterRef and a spec in, plain Kubernetes manifests (dicts) out; no I/O, no clocks.

One module per concern: `nats`, `cassandra` (+ `cassandra_roles`), `secrets`, `migrate`, `services` (gateway and
consumers), `observability`; `meta`, `env`, `volumes` and `quantity` are what they share. `desired.py` puts the
pieces together in apply order.
"""
