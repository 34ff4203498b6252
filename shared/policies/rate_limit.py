"""Token buckets per widget key: a misbehaving page cannot flood a tenant's stamp."""

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

    def take(self, key: str, per_second: float, burst: int) -> int:
        """0 when allowed, else the whole seconds to wait before retrying."""
        now = self._clock.now().timestamp()
        with self._lock:
            tokens, last = self._buckets.pop(key, (float(burst), now))
            tokens = min(float(burst), tokens + (now - last) * per_second)
            wait = 0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = max(1, math.ceil((1.0 - tokens) / per_second))
            self._buckets[key] = (tokens, now)
            if len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
            return wait
