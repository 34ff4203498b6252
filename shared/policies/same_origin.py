"""Did a browser send this request from another site? (cross-site request forgery)

Browsers say where a request comes from: ``Sec-Fetch-Site`` (every current browser; a page
cannot set it) and ``Origin`` (every cross-origin POST). When ``Sec-Fetch-Site`` is there it
decides: anything but ``same-origin`` or ``none`` (typed by the user) came from a page that is
not ours. Without it (older browsers), an ``Origin`` naming another host, or ``null`` (sandboxed
frames, and any form posted under a ``no-referrer`` policy), is refused. Clients that are not
browsers send neither header, and no cookie rides along with them, so they are not what this
guards against.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

_SAME = frozenset({"same-origin", "none"})


def is_cross_site(fetch_site: str | None, origin: str | None, own_hosts: Iterable[str]) -> bool:
    """True when the browser says the request came from another site or origin.

    ``own_hosts`` are the ``host[:port]`` values this request was addressed to.
    """
    if fetch_site:
        return fetch_site.strip().lower() not in _SAME
    if not origin:
        return False
    hosts = {h.strip().lower() for h in own_hosts if h}
    return origin.strip().lower() == "null" or urlsplit(origin.strip()).netloc.lower() not in hosts
