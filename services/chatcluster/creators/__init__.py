"""Creators: lists of members, broadcasts to a list (fanned out into direct messages) and tips."""
