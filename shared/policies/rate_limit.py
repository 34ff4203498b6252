"""Token buckets (per widget key, per key and client IP, per IP for unknown keys, ...): a
misbehaving page or client cannot flood a tenant's stamp.

Buckets live in this instance's memory: with N instances a client can get up to N times a
limit (README, Known limits). Bucket names are digests, never an IP or a key in the clear.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict

from shared.ports.clock import Clock


class RateLimiter:
    def __init__(self, clock: Clock, max_keys: int = 100_000) -> None:
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def _tokens(self, key: str, per_second: float, burst: int, now: float) -> float:
        tokens, last = self._buckets.pop(key, (float(burst), now))
        return min(float(burst), tokens + (now - last) * per_second)

    @staticmethod
    def _wait(tokens: float, per_second: float) -> int:
        return 0 if tokens >= 1.0 else max(1, math.ceil((1.0 - tokens) / per_second))

    def take(self, key: str, per_second: float, burst: int) -> int:
        """0 when allowed (a token is spent), else the whole seconds to wait before retrying."""
        now = self._clock.now().timestamp()
        with self._lock:
            tokens = self._tokens(key, per_second, burst, now)
            wait = self._wait(tokens, per_second)
            self._store(key, tokens - 1.0 if wait == 0 else tokens, now)
            return wait

    def peek(self, key: str, per_second: float, burst: int) -> int:
        """What ``take`` would answer, without spending a token."""
        now = self._clock.now().timestamp()
        with self._lock:
            tokens = self._tokens(key, per_second, burst, now)
            self._store(key, tokens, now)
            return self._wait(tokens, per_second)

    def _store(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
