"""Start the local Cosmos DB stand-in (``@vercel/cosmosdb-server``) for tests and benchmarks.

The npm package is installed by ``npm ci`` at the repository root; nothing is downloaded here.
The server runs in ``cosmos_server.js`` on 127.0.0.1, on a port the OS picks (no race between
choosing a free port and binding it), with the package's self-signed certificate: only clients
built for this endpoint may skip TLS verification. ``python -m infra.emulators.launch`` runs it
by hand until Ctrl-C.
"""

from __future__ import annotations

import json
import selectors
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.emulators.processes import serve_until_interrupted, stop

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("cosmos_server.js")
PACKAGE = ROOT / "node_modules" / "@vercel" / "cosmosdb-server" / "package.json"
EMULATOR_KEY = (
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
)
"""The Cosmos DB emulator's published well-known key; the stand-in accepts any key."""


class ServerUnavailable(RuntimeError):
    """The stand-in cannot start here; the message says what to install."""


@dataclass(frozen=True)
class CosmosServer:
    endpoint: str
    port: int
    request_log: Path

    def requests(self) -> list[dict[str, Any]]:
        """Every request the server has answered so far (method, url, headers, body, status)."""
        if not self.request_log.exists():
            return []
        lines = self.request_log.read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise ServerUnavailable("node is not on PATH: install Node.js 20 or newer")
    if not PACKAGE.exists():
        raise ServerUnavailable(
            f"{PACKAGE.relative_to(ROOT)} is missing: run `npm ci` in {ROOT} first"
        )
    return node


def _read_port(proc: subprocess.Popen[bytes], deadline: float) -> int:
    """The port from the script's first stdout line, or an error once the deadline passes."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0:
            if sel.select(left):
                line = proc.stdout.readline()
                if not line:
                    break  # the process exited before listening
                return int(json.loads(line)["port"])
    raise ServerUnavailable("cosmosdb-server did not report a port in time")


def _wait_accepting(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise ServerUnavailable(f"cosmosdb-server did not accept connections on port {port}")


@contextmanager
def cosmos_server(workdir: Path | None = None, *, timeout: float = 30.0) -> Iterator[CosmosServer]:
    """Run the server for the duration of the block; its request log and stderr go to
    ``workdir`` (a temporary directory when None)."""
    node = _node()
    with tempfile.TemporaryDirectory(prefix="cosmosdb-server-") as tmp:
        directory = workdir or Path(tmp)
        log, errors = directory / "requests.jsonl", directory / "server.stderr"
        with errors.open("ab") as stderr:
            proc = subprocess.Popen(
                [node, str(SCRIPT), "0", str(log)],
                cwd=ROOT,
                stdin=subprocess.PIPE,  # the script exits when this closes
                stdout=subprocess.PIPE,
                stderr=stderr,
            )
        try:
            deadline = time.monotonic() + timeout
            try:
                port = _read_port(proc, deadline)
                _wait_accepting(port, deadline)
            except ServerUnavailable as exc:
                tail = errors.read_text(errors="replace")[-2000:]
                raise ServerUnavailable(f"{exc}; stderr: {tail}") from None
            yield CosmosServer(f"https://127.0.0.1:{port}/", port, log)
        finally:
            stop(proc)


def main() -> None:
    with cosmos_server() as server:
        print(f"endpoint {server.endpoint} key {EMULATOR_KEY}; requests in {server.request_log}")
        serve_until_interrupted()


if __name__ == "__main__":
    main()
