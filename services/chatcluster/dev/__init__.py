"""Real servers for development and tests on one machine, without Docker, beside the operator's
`localkube` (a real Kubernetes API server): `cassandra` runs Apache Cassandra 5.0 from Maven Central.

    python -m chatcluster.dev.cassandra run [--home DIR] [--port N]
"""
