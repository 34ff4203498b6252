"""The deployment sets every setting the code reads, and only identity-based connections.

"Read by the code" means: every field of ``shared.settings.Settings`` (``PRIVACY_<NAME>`` or its
alias), every binding ``connection=`` and ``%NAME%`` expression in ``functions/``, the host
storage connection, and any connection-style literal (``NAME__property``) or ``os.environ``
name in ``shared/`` and ``functions/``. Each must be set in the app settings block of
``bicep/app/api.bicep`` and documented in ``local.settings.example.json``. The Cosmos DB layout
the Bicep deploys must equal ``shared/containers.py``.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest
from pydantic import AliasChoices, ValidationError

from shared import containers
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
API_BICEP = ROOT / "bicep" / "app" / "api.bicep"
COSMOS_LAYOUT = ROOT / "bicep" / "app" / "cosmos-layout.json"
EXAMPLE = ROOT / "local.settings.example.json"
HOST_STORAGE = "AzureWebJobsStorage"
PLATFORM_SET = {"WEBSITE_AUTH_ENABLED", "WEBSITE_INSTANCE_ID"}
"""Injected by App Service itself (auth: when authsettingsV2 is enabled; the instance id on every
instance), never an app setting."""
AZURE_BACKENDS = {
    "store_backend": "cosmos",
    "bus_backend": "servicebus",
    "keys_backend": "keyvault",
}
SECRET_MARKERS = (
    "AccountKey=",
    "SharedAccessKey",
    "listKeys(",
    "listConnectionStrings(",
    "Password",
)


def _python_files() -> Iterator[Path]:
    for package in ("shared", "functions"):
        yield from sorted((ROOT / package).rglob("*.py"))


def _string_constants(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def bicep_app_settings() -> dict[str, str]:
    """``name -> value expression`` of the ``var appSettings = [...]`` block of api.bicep."""
    text = API_BICEP.read_text(encoding="utf-8")
    start = text.index("[", text.index("var appSettings = ["))
    depth = 0
    for end in range(start, len(text)):
        depth += {"[": 1, "]": -1}.get(text[end], 0)
        if depth == 0:
            break
    block = text[start : end + 1]
    pairs = re.findall(r"name:\s*'([^']+)'\s*\n\s*value:\s*(.+)", block)
    names = [name for name, _ in pairs]
    assert len(names) == len(set(names)), "an app setting is set twice"
    return {name: value.strip() for name, value in pairs}


def example_settings() -> tuple[dict[str, str], dict[str, str]]:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return data["Values"], data["_comments"]


def settings_names() -> list[tuple[str, ...]]:
    """One tuple of accepted environment names per ``Settings`` field."""
    prefix = Settings.model_config.get("env_prefix", "")
    wanted = []
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias or field.alias
        if isinstance(alias, str):
            wanted.append((alias,))
        elif isinstance(alias, AliasChoices):
            wanted.append(tuple(str(choice) for choice in alias.choices))
        else:
            wanted.append((f"{prefix}{name}".upper(),))
    return wanted


def binding_connections() -> set[str]:
    """``connection="..."`` arguments of the trigger and binding decorators."""
    found = set()
    for path in sorted((ROOT / "functions").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    value = keyword.value
                    if keyword.arg == "connection" and isinstance(value, ast.Constant):
                        found.add(str(value.value))
    return found


def binding_expressions() -> set[str]:
    """``%NAME%`` app-setting expressions in binding arguments (queue names, schedules)."""
    return {
        name
        for path in sorted((ROOT / "functions").rglob("*.py"))
        for constant in _string_constants(path)
        for name in re.findall(r"%([A-Za-z0-9_]+)%", constant)
    }


def literal_environment_names() -> set[str]:
    """Connection-style names (``COSMOS__accountEndpoint``) and ``os.environ`` reads."""
    found = set()
    for path in _python_files():
        for constant in _string_constants(path):
            if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*__[a-z][A-Za-z0-9]*", constant):
                found.add(constant)
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"(?:environ(?:\.get)?[\[(]|getenv\()\s*['\"]([^'\"]+)", text))
    return found - PLATFORM_SET


def test_app_settings_block_is_found() -> None:
    assert len(bicep_app_settings()) > 20


@pytest.mark.parametrize("names", settings_names(), ids=lambda names: names[0])
def test_every_settings_field_is_deployed_and_documented(names: tuple[str, ...]) -> None:
    deployed, (documented, comments) = bicep_app_settings(), example_settings()
    assert any(name in deployed for name in names), f"{names} missing from {API_BICEP.name}"
    assert any(name in documented and name in comments for name in names), (
        f"{names} missing from local.settings.example.json Values/_comments"
    )


@pytest.mark.parametrize("name", sorted(binding_expressions()))
def test_every_binding_expression_is_deployed_and_documented(name: str) -> None:
    assert name in bicep_app_settings()
    assert name in example_settings()[0]


@pytest.mark.parametrize("connection", sorted(binding_connections() | {HOST_STORAGE}))
def test_every_connection_is_identity_based_in_azure_and_documented(connection: str) -> None:
    deployed = bicep_app_settings()
    identity = [name for name in deployed if name.startswith(f"{connection}__")]
    assert identity, f"no {connection}__<property> identity-based connection in the Bicep"
    assert connection not in deployed, f"{connection} as a connection string would hold a secret"
    documented = example_settings()[0]
    assert connection in documented or any(
        name.startswith(f"{connection}__") for name in documented
    ), f"{connection} is not documented in local.settings.example.json"


def test_host_storage_and_service_bus_use_the_expected_identity_properties() -> None:
    deployed = bicep_app_settings()
    assert deployed[f"{HOST_STORAGE}__accountName"] == "storageAccountName"
    # the host name from the namespace's own endpoint (sovereign clouds have other suffixes)
    assert deployed["SERVICEBUS__fullyQualifiedNamespace"] == "serviceBusFullyQualifiedNamespace"


def test_every_literal_environment_name_is_deployed_and_documented() -> None:
    names = literal_environment_names()
    assert sorted(names - set(bicep_app_settings())) == []
    assert sorted(names - set(example_settings()[0])) == []


def test_the_deployment_selects_the_azure_adapters_and_platform_auth() -> None:
    deployed = bicep_app_settings()
    for field, backend in AZURE_BACKENDS.items():
        assert backend in get_args(Settings.model_fields[field].annotation)
        assert deployed[f"PRIVACY_{field.upper()}"] == f"'{backend}'"
    assert deployed["PRIVACY_DEV_AUTH"] == "'false'"


def test_literal_privacy_values_are_valid_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every quoted PRIVACY_* value parses with the same Settings the app uses."""
    for name, value in bicep_app_settings().items():
        if name.startswith("PRIVACY_") and re.fullmatch(r"'[^'$]*'", value):
            monkeypatch.setenv(name, value[1:-1])
    settings = Settings()
    assert (settings.store_backend, settings.bus_backend, settings.keys_backend) == (
        "cosmos",
        "servicebus",
        "keyvault",
    )
    assert settings.dev_auth is False
    assert (settings.mail_backend, settings.otel_exporter, settings.require_mfa) == (
        "acs",
        "azure",
        True,
    )


def test_the_stamp_sends_mail_and_telemetry_with_its_identity_and_requires_mfa() -> None:
    """The contract's Azure values; endpoint and sender come from the e-mail module, never a
    connection string, and telemetry authenticates with the system-assigned identity."""
    deployed = bicep_app_settings()
    assert deployed["PRIVACY_MAIL_BACKEND"] == "'acs'"
    assert deployed["PRIVACY_MAIL_ENDPOINT"] == "mailEndpoint"
    assert deployed["PRIVACY_MAIL_SENDER"] == "mailSender"
    assert deployed["PRIVACY_ONCALL_EMAIL"] == "oncallEmail"
    assert deployed["PRIVACY_REQUIRE_MFA"] == "'true'"
    assert deployed["PRIVACY_OTEL_EXPORTER"] == "'azure'"
    assert deployed["APPLICATIONINSIGHTS_CONNECTION_STRING"] == (
        "applicationInsightsConnectionString"
    )
    assert deployed["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == "'Authorization=AAD'"


def test_locally_mail_stays_on_disk_telemetry_off_and_mfa_not_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The example file's blank mail settings mean "not configured", as an absent one does."""
    documented, _ = example_settings()
    for name, value in documented.items():
        if name.startswith("PRIVACY_"):
            monkeypatch.setenv(name, value)
    settings = Settings()
    assert (settings.mail_backend, settings.otel_exporter, settings.require_mfa) == (
        "mailbox",
        "none",
        False,
    )
    assert (settings.mail_endpoint, settings.mail_sender, settings.oncall_email) == (None,) * 3
    for name in ("PRIVACY_MAIL_BACKEND", "PRIVACY_OTEL_EXPORTER", "PRIVACY_REQUIRE_MFA"):
        monkeypatch.delenv(name)
    assert (Settings().mail_backend, Settings().otel_exporter, Settings().require_mfa) == (
        "mailbox",
        "none",
        False,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [("PRIVACY_MAIL_BACKEND", "smtp"), ("PRIVACY_OTEL_EXPORTER", "zipkin")],
)
def test_an_unknown_mail_or_telemetry_backend_stops_the_app(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


def test_no_setting_and_no_bicep_file_carries_a_secret() -> None:
    for name, value in bicep_app_settings().items():
        assert not any(marker in value for marker in SECRET_MARKERS), name
    for path in sorted((ROOT / "bicep").rglob("*.bicep")):
        text = path.read_text(encoding="utf-8")
        assert not any(marker in text for marker in SECRET_MARKERS[:4]), path.name


Layout = dict[str, dict[str, tuple[tuple[str, ...], int | None, tuple[str, ...]]]]


def _layout_from_code() -> Layout:
    return {
        database: {
            c.name: (tuple(c.partition_key_paths), c.default_ttl, tuple(c.unindexed)) for c in specs
        }
        for database, specs in (
            ("privacy", containers.REGION_CONTAINERS),
            ("control", containers.DIRECTORY_CONTAINERS),
        )
    }


def test_the_deployed_cosmos_layout_equals_shared_containers() -> None:
    layout = json.loads(COSMOS_LAYOUT.read_text(encoding="utf-8"))
    deployed: Layout = {name: {} for name in layout["databases"]}
    for c in layout["containers"]:
        deployed[c["database"]][c["name"]] = (
            tuple(c["partitionKeyPaths"]),
            c.get("defaultTtl"),
            tuple(p["path"] for p in c.get("excludedPaths", [])),
        )
    assert deployed == _layout_from_code()


def test_database_names_match_the_settings_the_adapters_read() -> None:
    deployed = bicep_app_settings()
    assert deployed["PRIVACY_COSMOS_DATABASE"] == "'privacy'"
    assert deployed["PRIVACY_COSMOS_CONTROL_DATABASE"] == "'control'"


def test_export_lifecycle_rules_cover_the_blob_names_the_services_write() -> None:
    from shared.dsar import export_package as dsar_export
    from shared.retention import offboarding_export

    main = (ROOT / "bicep" / "main.bicep").read_text(encoding="utf-8")
    container = re.search(r"exportsContainer:\s*'([^']+)'", main)
    assert container and container.group(1) == dsar_export.CONTAINER == offboarding_export.EXPORTS
    prefixes = re.findall(r"prefix:\s*'\$\{names\.exportsContainer\}/([^']+)'", main)
    assert dsar_export.package_name("r1").startswith("dsar/") and "dsar/" in prefixes
    assert offboarding_export.export_prefix("t1").startswith("offboarding") and (
        "offboarding/" in prefixes
    )


def test_deploy_time_secrets_have_the_shape_the_key_vault_adapter_accepts() -> None:
    """main.bicep: each secret is 43 hex digits of two dash-less newGuid() values plus '='."""
    import uuid

    from shared.adapters.keyvault_keys import KeyVaultKeyProvider

    main = (ROOT / "bicep" / "main.bicep").read_text(encoding="utf-8")
    for secret in ("blindIndex", "transit"):
        assert f"{secret}Key: '${{take({secret}Hex, 43)}}='" in main
        seeds = f"'${{replace({secret}SeedA, '-', '')}}${{replace({secret}SeedB, '-', '')}}'"
        assert f"var {secret}Hex = {seeds}" in main
        value = f"{(str(uuid.uuid4()) + str(uuid.uuid4())).replace('-', '')[:43]}="
        assert len(KeyVaultKeyProvider._decode(secret, value)) == 32
