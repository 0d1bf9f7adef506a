"""Compiled counter-based generator (the hash of arraymask.random)."""
