"""Kubernetes quantities and JVM sizes as numbers: the builders size JetStream, Go and Cassandra memory from them."""

from __future__ import annotations

import re
from decimal import Decimal

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}
_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$")
_JVM_SIZE = re.compile(r"^([0-9]+)([kKmMgG])$")


def quantity_bytes(quantity: int | str) -> int:
    """`10Gi` → 10737418240. Only the forms a size takes (no milli, no exponent): the CRD's pattern."""
    if isinstance(quantity, int):
        return quantity
    match = _QUANTITY.match(quantity.strip())
    if match is None:
        raise ValueError(f"not a byte quantity: {quantity!r}")
    number, suffix = match.group(1), match.group(2) or ""
    factor = _BINARY.get(suffix) or _DECIMAL[suffix]
    return int(Decimal(number) * factor)


def jvm_megabytes(size: str) -> int:
    """A JVM size such as `1G` or `512M` (binary units, as -Xmx reads them) in MiB."""
    match = _JVM_SIZE.match(size.strip())
    if match is None:
        raise ValueError(f"not a JVM size like 512M or 1G: {size!r}")
    number, unit = int(match.group(1)), match.group(2).lower()
    return {"k": number // 1024, "m": number, "g": number * 1024}[unit]
