"""Adapters to other libraries; each module imports its framework lazily."""
