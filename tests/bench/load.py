"""Load-generation and measurement helpers for the benchmarks (Linux: reads /proc)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import psutil  # type: ignore[import-untyped]


def peak_rss_mb(pid: int) -> float:
    """VmHWM (the kernel's high-water mark of resident memory) of a live process, in MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def cpu_seconds(host: psutil.Process) -> tuple[float, float, float]:
    """Busy CPU seconds so far of the host, of this process and of the whole machine."""
    h, me, m = host.cpu_times(), psutil.Process().cpu_times(), psutil.cpu_times()
    return h.user + h.system, me.user + me.system, sum(m) - m.idle - m.iowait


async def open_loop(
    port: int, path: str, headers: dict[str, str], bodies: list[bytes], interval: float
) -> list[tuple[float, float, str]]:
    """Send at fixed intervals, whatever the answers; (scheduled, latency, outcome) each.

    A bare keep-alive HTTP/1.1 client: on two cores the load generator's CPU is the host's.
    """
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode() + b"".join(
        f"{name}: {value}\r\n".encode() for name, value in headers.items()
    )
    Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter]
    idle: list[Conn] = []
    results: list[tuple[float, float, str]] = []
    slots, loop = asyncio.Semaphore(256), asyncio.get_running_loop()

    async def connection() -> Conn:
        while idle:  # the most recently used first; skip those the server closed
            reader, writer = idle.pop()
            if not reader.at_eof():
                return reader, writer
            writer.close()
        return await asyncio.open_connection("127.0.0.1", port)

    async def send(body: bytes, scheduled: float) -> None:
        async with slots:
            conn: Conn | None = None
            try:
                conn = await connection()
                conn[1].write(b"%sContent-Length: %d\r\n\r\n%s" % (head, len(body), body))
                answer = await asyncio.wait_for(conn[0].readuntil(b"\r\n\r\n"), 30)
                length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", answer)
                await conn[0].readexactly(int(length.group(1)) if length else 0)
                outcome = answer.split(b" ", 2)[1].decode()
                idle.append(conn)
                conn = None
            except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
                outcome = type(exc).__name__
            finally:
                if conn is not None:
                    conn[1].close()
        results.append((scheduled, loop.time() - scheduled, outcome))  # from the schedule

    start, tasks = loop.time() + 0.05, []
    for i, body in enumerate(bodies):
        scheduled = start + i * interval
        await asyncio.sleep(max(0.0, scheduled - loop.time()))
        tasks.append(asyncio.create_task(send(body, scheduled)))
    await asyncio.gather(*tasks)
    for _, writer in idle:
        writer.close()
    await asyncio.gather(*(w.wait_closed() for _, w in idle), return_exceptions=True)
    return sorted(results)
