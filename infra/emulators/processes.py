"""Stopping the local servers the tests start: politely first, then for sure."""

from __future__ import annotations

import contextlib
import subprocess
import time


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate, kill after 5 s, and close our ends of its pipes (no leaked descriptors)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def serve_until_interrupted() -> None:
    """Keep a server started by ``python -m`` running until Ctrl-C."""
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            time.sleep(3600)
