"""The one version of the app: the package's (pyproject.toml) and the served OpenAPI document's.

A constant rather than ``importlib.metadata``: the function app is deployed as files, never
installed, so there is no distribution metadata to read at run time. A test keeps it equal to
``pyproject.toml`` and to the newest version in ``CHANGELOG.md``.
"""

from __future__ import annotations

VERSION = "1.1.0"
