"""TLS certificates of NATS and Cassandra: what each must name, cert-manager's objects for them, and the
operator's own CA for clusters without cert-manager.

Both providers fill the same Secrets (`<name>-nats-tls`, `<name>-cassandra-tls`: tls.crt, tls.key, ca.crt), so
the workloads never know who issued. Every leaf certificate is for server *and* client authentication: NATS routes
and Cassandra internode connections are mutual TLS between pods holding the same kind of certificate.

The operator's CA lives ten years in `<name>-ca` (its key is mounted nowhere); leaves live `tls.certificateHours`
and are re-issued from it after two thirds of that, so a renewed leaf is trusted by every peer still holding the
old one (same CA) and the pods roll onto it one at a time. Keys are ECDSA P-256 in PKCS#8, the form nats-server,
Python's ssl and Cassandra's PEMBasedSslContextFactory all read. Clocks are passed in: these stay pure.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from chatcluster_operator.builders.meta import Manifest, object_meta
from chatcluster_operator.naming import (
    CREATE_ONLY_ANNOTATION,
    VERSION_LABEL,
    ClusterRef,
    Component,
    ca_secret,
    nats_headless,
    short_hash,
    tls_secret,
    workload_name,
)
from chatcluster_operator.spec import ChatClusterSpec

TLS_COMPONENTS: tuple[Component, ...] = (Component.NATS, Component.CASSANDRA)
CA_DAYS = 3650
RENEW_FRACTION = 2 / 3
CERT_KEY, KEY_KEY, CA_KEY = "tls.crt", "tls.key", "ca.crt"
CERT_MANAGER_API = "cert-manager.io/v1"
# Certificates may be dated a little back: a node whose clock runs behind must not reject a fresh one.
BACKDATE = dt.timedelta(minutes=5)
# Cassandra's readiness probe dials 127.0.0.1 (cqlsh's default); the certificate names it so the chain is checked.
IP_ADDRESSES = ("127.0.0.1",)


def dns_names(ref: ClusterRef, component: Component) -> list[str]:
    """Every name a client or peer dials: the Services (short, namespaced, .svc, cluster.local) and each pod of
    the headless Service (a wildcard), plus localhost for the pod's own probes."""
    services = (
        [workload_name(ref, Component.NATS), nats_headless(ref)]
        if component is Component.NATS
        else [workload_name(ref, Component.CASSANDRA)]
    )
    names: list[str] = []
    for service in services:
        for suffix in ("", f".{ref.namespace}", f".{ref.namespace}.svc", f".{ref.namespace}.svc.cluster.local"):
            names += [f"{service}{suffix}", f"*.{service}{suffix}"]
    return [*names, "localhost"]


def _key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def issue_ca(ref: ClusterRef, now: dt.datetime) -> dict[str, str]:
    """A fresh self-signed CA: the `<name>-ca` Secret's data."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{ref.name}.{ref.namespace} ChatCluster CA")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = _cert_pem(cert)
    return {CERT_KEY: pem, KEY_KEY: _key_pem(key), CA_KEY: pem}


def issue_leaf(ca: dict[str, str], common_name: str, names: list[str], hours: int, now: dt.datetime) -> dict[str, str]:
    """A leaf certificate for server and client authentication signed by `ca` (a CA Secret's data)."""
    ca_cert = x509.load_pem_x509_certificate(ca[CERT_KEY].encode())
    ca_key = serialization.load_pem_private_key(ca[KEY_KEY].encode(), password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise ValueError("the CA Secret's key is not an ECDSA key")
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + dt.timedelta(hours=hours))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    *(x509.DNSName(name) for name in names),
                    *(x509.IPAddress(ipaddress.ip_address(ip)) for ip in IP_ADDRESSES),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return {CERT_KEY: _cert_pem(cert), KEY_KEY: _key_pem(key), CA_KEY: ca[CERT_KEY]}


def renewal_due(cert_pem: str | None, ca_pem: str, names: list[str], now: dt.datetime) -> bool:
    """Whether a leaf must be (re-)issued: missing, from another CA, naming other hosts, or two thirds through
    its life (a third is left to roll every pod onto the new one)."""
    if not cert_pem:
        return True
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    try:  # signed by this CA's key, not merely by a CA of the same name (a re-created CA Secret)
        cert.verify_directly_issued_by(x509.load_pem_x509_certificate(ca_pem.encode()))
    except (ValueError, TypeError, InvalidSignature):
        return True
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    if sorted(sans) != sorted(names):
        return True
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    return now >= start + (end - start) * RENEW_FRACTION


def tls_secret_manifest(ref: ClusterRef, spec: ChatClusterSpec, name: str, data: dict[str, str]) -> Manifest:
    """A Secret of the operator's CA or of a leaf. The CA is create-only (re-creating it would distrust every
    leaf); leaves are applied (a renewal patches them)."""
    is_ca = name == ca_secret(ref)
    annotations = {CREATE_ONLY_ANNOTATION: "true"} if is_ca else None
    meta = object_meta(
        ref, name, Component.NATS if "nats" in name else Component.CASSANDRA, spec.version, annotations=annotations
    )
    del meta["labels"][VERSION_LABEL]  # a Secret outlives versions; the label would go stale
    kind = "Opaque" if is_ca else "kubernetes.io/tls"
    encoded = {key: base64.b64encode(value.encode()).decode() for key, value in data.items()}
    return {"apiVersion": "v1", "kind": "Secret", "type": kind, "metadata": meta, "data": encoded}


def secret_strings(secret: Manifest | None) -> dict[str, str]:
    """A Secret's data as the API server returns it (base64), decoded."""
    data = (secret or {}).get("data") or {}
    return {key: base64.b64decode(value).decode() for key, value in data.items()}


def content_hash(data: dict[str, str]) -> str:
    """What the pods' TLS annotation carries: changes with the certificate, so a renewal rolls them."""
    return short_hash(data.get(CERT_KEY, "") + data.get(CA_KEY, ""))


def cert_manager_objects(ref: ClusterRef, spec: ChatClusterSpec) -> list[Manifest]:
    """Without an issuerRef: a self-signed Issuer that signs a CA Certificate, and a CA Issuer from it (the
    cert-manager documentation's bootstrap); then a Certificate per component into the same Secrets the
    operator's own CA would fill. cert-manager renews at two thirds of the lifetime like the operator does."""
    hours = spec.tls.certificate_hours
    objects: list[Manifest] = []
    issuer: dict[str, str]
    if spec.tls.issuer_ref is not None:
        ref_ = spec.tls.issuer_ref
        issuer = {"name": ref_.name, "kind": ref_.kind, "group": ref_.group}
    else:
        selfsigned, ca_issuer = f"{ref.name}-selfsigned", f"{ref.name}-ca"
        objects += [
            {
                "apiVersion": CERT_MANAGER_API,
                "kind": "Issuer",
                "metadata": object_meta(ref, selfsigned, Component.NATS, spec.version),
                "spec": {"selfSigned": {}},
            },
            {
                "apiVersion": CERT_MANAGER_API,
                "kind": "Certificate",
                "metadata": object_meta(ref, ca_secret(ref), Component.NATS, spec.version),
                "spec": {
                    "isCA": True,
                    "commonName": f"{ref.name}.{ref.namespace} ChatCluster CA",
                    "secretName": ca_secret(ref),
                    "duration": f"{CA_DAYS * 24}h",
                    "privateKey": {"algorithm": "ECDSA", "size": 256, "encoding": "PKCS8"},
                    "issuerRef": {"name": selfsigned, "kind": "Issuer", "group": "cert-manager.io"},
                },
            },
            {
                "apiVersion": CERT_MANAGER_API,
                "kind": "Issuer",
                "metadata": object_meta(ref, ca_issuer, Component.NATS, spec.version),
                "spec": {"ca": {"secretName": ca_secret(ref)}},
            },
        ]
        issuer = {"name": ca_issuer, "kind": "Issuer", "group": "cert-manager.io"}
    for component in TLS_COMPONENTS:
        name = tls_secret(ref, component)
        objects.append(
            {
                "apiVersion": CERT_MANAGER_API,
                "kind": "Certificate",
                "metadata": object_meta(ref, name, component, spec.version),
                "spec": {
                    "secretName": name,
                    "commonName": workload_name(ref, component),
                    "dnsNames": dns_names(ref, component),
                    "ipAddresses": list(IP_ADDRESSES),
                    "duration": f"{hours}h",
                    "renewBefore": f"{hours // 3}h",
                    "usages": ["server auth", "client auth", "digital signature", "key encipherment"],
                    "privateKey": {"algorithm": "ECDSA", "size": 256, "encoding": "PKCS8", "rotationPolicy": "Always"},
                    "issuerRef": issuer,
                },
            }
        )
    return objects
