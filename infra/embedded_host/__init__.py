"""Embedded Functions host: runs the real function app locally without Core Tools.

Entry point: ``python -m infra.embedded_host``. Programmatic use: ``EmbeddedHost``.
"""
