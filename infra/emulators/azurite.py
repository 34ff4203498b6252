"""Start Azurite's Blob service (npm ``azurite``) on loopback for the Blob adapter's tests.

The package is installed by ``npm ci`` at the repository root; nothing is downloaded here, and a
missing install is an error that says so (the tests must not pass by skipping). Azurite listens
on a port the OS picks (``--blobPort 0``) and prints it, so there is no race between choosing a
free port and binding it. Data stays in memory (Azurite refuses ``--location`` together with
``--inMemoryPersistence``, so the scratch directory is its working directory instead) and the
access log is off (``--silent``): links carry SAS signatures, which must not land in files.
With a certificate it serves HTTPS, and with ``oauth=True`` it also accepts bearer tokens
(``--oauth basic``: it checks a token's audience, issuer and lifetime, not its signature),
which lets tests take the user-delegation SAS path.
``python -m infra.emulators.azurite`` runs it by hand until Ctrl-C.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from infra.emulators.processes import serve_until_interrupted, stop

ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = ROOT / "node_modules" / ".bin"
ACCOUNT_NAME = "devstoreaccount1"
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
"""Azurite's published well-known development key (not a secret)."""

_LISTENING = re.compile(
    r"Blob service (?:is )?success\w* listen\w* (?:at|on) (https?)://[^:]+:(\d+)"
)


class AzuriteUnavailable(RuntimeError):
    """Azurite cannot start here; the message says what to install or what it printed."""


@dataclass(frozen=True)
class Azurite:
    account_url: str
    """Path-style account URL, e.g. ``https://127.0.0.1:41234/devstoreaccount1``."""
    port: int
    account_name: str = ACCOUNT_NAME
    account_key: str = ACCOUNT_KEY


def azurite_command() -> list[str]:
    """The installed ``azurite-blob`` (or ``azurite``) binary, or a clear error."""
    for name in ("azurite-blob", "azurite"):
        candidate = BIN_DIR / name
        if candidate.exists():
            return [str(candidate)]
    raise AzuriteUnavailable(f"{BIN_DIR}/azurite-blob is missing: run `npm ci` in {ROOT} first")


def _wait_listening(proc: subprocess.Popen[bytes], log: Path, deadline: float) -> tuple[str, int]:
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace") if log.exists() else ""
        if match := _LISTENING.search(text):
            return match.group(1), int(match.group(2))
        if proc.poll() is not None:
            raise AzuriteUnavailable(f"azurite exited with {proc.returncode}: {text[-2000:]}")
        time.sleep(0.05)
    raise AzuriteUnavailable("azurite did not report a listening port in time")


@contextmanager
def azurite(
    workdir: Path | None = None,
    *,
    cert: Path | None = None,
    key: Path | None = None,
    oauth: bool = False,
    timeout: float = 30.0,
) -> Iterator[Azurite]:
    """Run Azurite's Blob service for the duration of the block; its output goes to
    ``workdir/azurite.log`` (a temporary directory when None)."""
    command = azurite_command()
    if oauth and cert is None:
        raise ValueError("Azurite accepts OAuth only over HTTPS: pass cert and key")
    with tempfile.TemporaryDirectory(prefix="azurite-") as tmp:
        directory = workdir or Path(tmp)
        log = directory / "azurite.log"
        args = [
            *command,
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            "0",
            "--inMemoryPersistence",
            "--extentMemoryLimit",
            "256",
            "--skipApiVersionCheck",
            "--loose",
            "--disableTelemetry",
            "--silent",
        ]
        if cert is not None and key is not None:
            args += ["--cert", str(cert), "--key", str(key)]
        if oauth:
            args += ["--oauth", "basic"]
        env = {k: v for k, v in os.environ.items() if k != "AZURITE_ACCOUNTS"}
        with log.open("wb") as out:
            # cwd is the scratch directory, so nothing Azurite writes lands in the repository.
            proc = subprocess.Popen(
                args,
                cwd=directory,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
            )
        try:
            scheme, port = _wait_listening(proc, log, time.monotonic() + timeout)
            yield Azurite(f"{scheme}://127.0.0.1:{port}/{ACCOUNT_NAME}", port)
        finally:
            stop(proc)


def main() -> None:
    with azurite(Path.cwd()) as server:
        print(f"account URL {server.account_url} account key {server.account_key}")
        serve_until_interrupted()


if __name__ == "__main__":
    main()
