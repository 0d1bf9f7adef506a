"""Mask algorithms, written once against the array API."""
