"""The azd preprovision hook, run by sh with stand-ins for the Azure CLI and azd on PATH (the
ports it talks through). What a deployer would notice: the value azd gets for
PRIVACY_WRITE_INITIAL_SECRETS, whether Microsoft.App is registered, and a refusal when the
vault's state is doubtful. It must fail closed: no value is set when a lookup fails."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HOOK = ROOT / "infra" / "hooks" / "preprovision.sh"
VAULT = "/subscriptions/sub-1/resourceGroups/rg-privacy-eu/providers/Microsoft.KeyVault/vaults/kv-x"
FAKE_AZ = r"""#!/bin/sh
echo "az $*" >> "$FAKE_LOG"
case "$1 $2" in
  "provider show") echo "$FAKE_PROVIDER_STATE" ;;
  "provider register") ;;
  "resource list") [ -z "$FAKE_LIST_FAILS" ] || exit 1; printf '%s' "$FAKE_VAULTS" ;;
  "rest --method") printf '%s' "$FAKE_SECRETS" ;;
  *) exit 2 ;;
esac
"""
FAKE_AZD = """#!/bin/sh
echo "azd $*" >> "$FAKE_LOG"
"""


@dataclass
class Run:
    code: int
    out: str
    err: str
    calls: list[str]

    def set_to(self) -> str | None:
        found = [c.split()[-1] for c in self.calls if c.startswith("azd env set")]
        assert len(found) <= 1
        return found[0] if found else None


Hook = Callable[..., Run]


@pytest.fixture
def hook(tmp_path: Path) -> Hook:
    """Runs the hook with a PATH of the tools it needs: fake az and azd, real tr and grep."""
    log = tmp_path / "calls.log"
    shell = shutil.which("sh")
    assert shell is not None

    def run(*, with_az: bool = True, with_azd: bool = True, **env: str) -> Run:
        bin_dir = tmp_path / f"bin-{with_az}-{with_azd}"
        bin_dir.mkdir(exist_ok=True)
        fakes = {**({"azd": FAKE_AZD} if with_azd else {}),
                 **({"az": FAKE_AZ} if with_az else {})}
        for name, text in fakes.items():
            (bin_dir / name).write_text(text, encoding="utf-8")
            (bin_dir / name).chmod(0o755)
        for tool in ("tr", "grep"):
            found = shutil.which(tool)
            assert found is not None
            if not (bin_dir / tool).exists():
                (bin_dir / tool).symlink_to(found)
        values = {"AZURE_SUBSCRIPTION_ID": "sub-1", "AZURE_ENV_NAME": "privacy-eu",
                  "FAKE_PROVIDER_STATE": "Registered", "FAKE_VAULTS": "", "FAKE_SECRETS": "",
                  "FAKE_LIST_FAILS": "", **env}
        log.write_text("", encoding="utf-8")
        done = subprocess.run([shell, str(HOOK)], capture_output=True, text=True, timeout=30,
                              env={"PATH": str(bin_dir), "FAKE_LOG": str(log),
                                   "HOME": str(tmp_path), **values})
        return Run(done.returncode, done.stdout, done.stderr,
                   log.read_text(encoding="utf-8").splitlines())

    return run


def test_a_new_stamp_gets_its_initial_secrets(hook: Hook) -> None:
    run = hook()
    assert (run.code, run.set_to()) == (0, "true")
    assert "az resource list --subscription sub-1 --tag azd-env-name=privacy-eu" in run.calls[0]


def test_a_vault_holding_both_secrets_is_never_rewritten(hook: Hook) -> None:
    run = hook(FAKE_VAULTS=VAULT, FAKE_SECRETS="transit\nblind-index\nother")
    assert (run.code, run.set_to()) == (0, "false")
    assert f"--url {VAULT}/secrets?api-version=2023-07-01" in " ".join(run.calls)


def test_an_empty_vault_gets_the_initial_secrets(hook: Hook) -> None:
    run = hook(FAKE_VAULTS=VAULT, FAKE_SECRETS="blind-index-old\n")
    assert (run.code, run.set_to()) == (0, "true")


@pytest.mark.parametrize("present", ["blind-index", "transit"])
def test_a_half_initialised_vault_stops_the_provision(hook: Hook, present: str) -> None:
    run = hook(FAKE_VAULTS=VAULT, FAKE_SECRETS=present)
    assert run.code != 0 and run.set_to() is None
    assert "holds only one of blind-index and transit" in run.err


def test_two_tagged_vaults_stop_the_provision(hook: Hook) -> None:
    run = hook(FAKE_VAULTS=f"{VAULT}\n{VAULT}-2")
    assert run.code != 0 and run.set_to() is None
    assert "2 Key Vaults are tagged" in run.err


def test_a_failed_lookup_sets_nothing(hook: Hook) -> None:
    run = hook(FAKE_LIST_FAILS="1")
    assert run.code != 0 and run.set_to() is None


def test_without_the_azure_cli_the_hook_says_so_and_sets_nothing(hook: Hook) -> None:
    run = hook(with_az=False)
    assert run.code != 0 and "needs the Azure CLI" in run.err
    assert run.calls == []


def test_outside_azd_the_decision_is_printed_for_the_pipeline(hook: Hook) -> None:
    run = hook(with_azd=False, FAKE_VAULTS=VAULT, FAKE_SECRETS="blind-index\ntransit")
    assert run.code == 0 and run.set_to() is None
    assert run.out.strip().splitlines()[-1].startswith(
        "preprovision: PRIVACY_WRITE_INITIAL_SECRETS=false")


@pytest.mark.parametrize(("private", "state", "registers"), [
    ("true", "NotRegistered", True), ("True", "Registering", True),
    ("true", "Registered", False), ("false", "NotRegistered", False)])
def test_private_networking_registers_microsoft_app_once(
    hook: Hook, private: str, state: str, registers: bool
) -> None:
    run = hook(PRIVATE_NETWORKING=private, FAKE_PROVIDER_STATE=state)
    assert run.code == 0
    register = "az provider register --namespace Microsoft.App --subscription sub-1 --wait"
    assert (register in run.calls) is registers
    assert any(c.startswith("az provider show") for c in run.calls) is (private.lower() == "true")


def test_azd_runs_the_hook_before_every_provision() -> None:
    config = yaml.safe_load((ROOT / "azure.yaml").read_text(encoding="utf-8"))
    preprovision = config["hooks"]["preprovision"]
    assert (preprovision["run"], preprovision["shell"]) == ("infra/hooks/preprovision.sh", "sh")
    assert os.access(HOOK, os.X_OK), "azd runs the script directly on Linux and macOS"
