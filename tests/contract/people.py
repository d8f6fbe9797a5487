"""The `Blocks` and `Contacts` contracts."""

from __future__ import annotations


class BlocksContract:
    """What every back end's `Blocks` role does (issue 14: cases to come)."""


class ContactsContract:
    """What every back end's `Contacts` role does (issue 14: cases to come)."""
