"""Compiled lookup-table kernels (isin on integers, sequence masks)."""
