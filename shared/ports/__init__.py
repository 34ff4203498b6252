"""Ports: small Protocols the domain depends on; adapters live in ``shared.adapters``."""
