"""Cross-site request forgery: a page on another site cannot change anything here.

In a browser the console is signed in by a cookie (App Service's session cookie in Azure, the
embedded host's locally), and a browser attaches cookies to a form another site posts here.
So every admin call that changes state must come from this origin
(``shared.policies.same_origin``); reads stay open to links and bookmarks.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import azure.functions as func

from shared.errors import Forbidden
from shared.policies.same_origin import is_cross_site

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _own_hosts(req: func.HttpRequest) -> list[str]:
    """The host[:port] this request was addressed to, as seen before and behind a proxy."""
    hosts = [urlsplit(req.url).netloc]
    for header in ("host", "x-forwarded-host", "x-original-host"):
        hosts.append((req.headers.get(header) or "").split(",")[0])
    return hosts


def refuse_cross_site(req: func.HttpRequest) -> None:
    """403 for a state change that a browser says came from another site or origin."""
    if req.method.upper() in SAFE_METHODS:
        return
    if is_cross_site(req.headers.get("sec-fetch-site"), req.headers.get("origin"), _own_hosts(req)):
        raise Forbidden("changes must come from this site's own pages (cross-site request refused)")
