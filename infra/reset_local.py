"""``make reset``: wipe the embedded host's local state (``.data/`` or ``DATA_DIR``).

The data dir holds everything ``make run`` made: the SQLite stores, the embedded queue, the
generated key files, the master key and the test clock's offset. Deleting it is the way back to
a fresh start, and it destroys keys (so any copy of the stored ciphertext becomes unreadable):
it asks first, unless ``FORCE=1``, and refuses a path that is not a data dir (the file system
root, the home directory, the repository or one of its parents, a directory without the host's
master key: ``make reset DATA_DIR=shared`` deletes nothing), whatever was typed.
Standard library only: it runs before ``.venv`` exists.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MASTER_KEY_FILE = "master.key"
"""What every start of the embedded host writes into its data dir (``host_keys``)."""


def unsafe(target: Path) -> str | None:
    """Why ``target`` must not be deleted as a data dir, or None."""
    if target == Path(target.anchor) or target == Path.home():
        return f"{target} is the file system root or the home directory"
    if target == ROOT or target in ROOT.parents:
        return f"{target} is this repository or one of its parents"
    if target.exists() and not target.is_dir():
        return f"{target} is not a directory"
    if target.is_dir() and any(target.iterdir()) and not (target / MASTER_KEY_FILE).exists():
        return (f"{target} does not look like the embedded host's data dir (every host start "
                f"writes {MASTER_KEY_FILE} there)")
    return None


def reset(data_dir: Path, confirmed: bool, ask: Callable[[str], str] = input) -> int:
    target = data_dir.expanduser().resolve()
    if reason := unsafe(target):
        print(f"refusing to reset: {reason}", file=sys.stderr)
        return 2
    if not target.exists():
        print(f"nothing to reset: {target} does not exist")
        return 0
    if not confirmed:
        question = (f"This deletes {target}: stores, queue, keys, the master key and the test "
                    "clock. Stop `make run` first. Type yes to delete: ")
        try:
            answer = ask(question)
        except EOFError:
            answer = ""
        if answer.strip().lower() != "yes":
            print("nothing deleted")
            return 1
    shutil.rmtree(target)
    print(f"deleted {target}; `make run` starts afresh")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.reset_local", description=__doc__)
    parser.add_argument("--data-dir", default=".data", type=Path)
    parser.add_argument("--yes", action="store_true", help="do not ask (make reset FORCE=1)")
    args = parser.parse_args(argv)
    return reset(args.data_dir, args.yes)


if __name__ == "__main__":
    sys.exit(main())
