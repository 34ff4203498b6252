"""Webhook POSTs with urllib3, pinned to the address the SSRF guard vetted.

urllib3 is told to connect to the vetted IP while verifying the certificate against, and
sending SNI for, the URL's host name: a DNS answer that changes between the check and the
connection (rebinding) cannot redirect the request. Redirects and retries are off; the answer
body is read up to 64 KiB and dropped.
"""

from __future__ import annotations

import ssl

import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError, SSLError, TimeoutError

from shared.ports.webhook_sender import SendFailed, Target

READ_LIMIT = 64 * 1024


class Urllib3Sender:
    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl = ssl_context

    def _pool(self, target: Target, address: str, timeout: float) -> urllib3.HTTPConnectionPool:
        limit = urllib3.Timeout(connect=timeout, read=timeout)
        if target.scheme == "http":
            return urllib3.HTTPConnectionPool(address, target.port, timeout=limit, retries=False)
        return urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=limit,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            server_hostname=target.host,
            assert_hostname=target.host,
            ssl_context=self._ssl,
        )

    def post(self, target: Target, body: bytes, headers: dict[str, str], timeout: float) -> int:
        host = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
        sent = headers | {"Host": host, "Content-Type": "application/json"}
        pool = self._pool(target, target.addresses[0], timeout)
        try:
            answer = pool.urlopen(
                "POST",
                target.path,
                body=body,
                headers=sent,
                redirect=False,
                assert_same_host=False,
                preload_content=False,
                retries=False,
            )
            answer.read(READ_LIMIT)
            answer.release_conn()
            return int(answer.status)
        except NewConnectionError:  # a subclass of the connect timeout: refused, unreachable
            raise SendFailed("connection") from None
        except TimeoutError:
            raise SendFailed("timeout") from None
        except SSLError:
            raise SendFailed("tls") from None
        except HTTPError:
            raise SendFailed("connection") from None
        finally:
            pool.close()
