"""Compiled selection kernels (top-k per slice, lookup-table isin)."""
