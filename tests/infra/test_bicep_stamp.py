"""What issues 16, 17 and 19 ask of the stamp, held in place by reading the templates
(pycep-parser, the parser the offline validation uses): parameters azd fills with JSON, the
initial-secrets default, the app identity's roles, the Flex function app's configuration, the
outputs azd reads, the EU placement guard (evaluated as ARM would), MFA-capable tokens,
identity-only telemetry and the app roles. Compiler-level rules (BCP138/142/318, hard-coded
hosts) are infra/iac_guard.py's; e-mail and alerts are in test_bicep_mail_alerts.py."""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path
from typing import Any

import pytest
from pycep import BicepParser

from shared.settings import Settings
from tests.infra.bicep_values import MissingProperty, Scope, evaluate

ROOT = Path(__file__).resolve().parents[2]
BICEP = ROOT / "bicep"
PARSER = BicepParser()
ROLES = {
    "storageBlobDataOwner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "storageBlobDataContributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "serviceBusDataOwner": "090c5cfd-751d-490a-894a-3ce6f1109419",
    "serviceBusDataSender": "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39",
    "serviceBusDataReceiver": "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
}


def parsed(relative: str) -> Any:
    return PARSER.parse(text=(BICEP / relative).read_text(encoding="utf-8"))


def azd_parameters() -> dict[str, Any]:
    data = json.loads((BICEP / "main.parameters.json").read_text(encoding="utf-8"))
    return {name: p["value"] for name, p in data["parameters"].items()}


def json_settings() -> set[str]:
    """Environment names of the settings the app parses as JSON (dict or list fields)."""
    prefix = str(Settings.model_config.get("env_prefix", ""))
    return {f"{prefix}{name}".upper() for name, field in Settings.model_fields.items()
            if typing.get_origin(field.annotation) in (dict, list)}


def test_every_json_setting_azd_fills_is_an_object_or_array_parameter() -> None:
    """azd pastes a string parameter's variable raw into the parameters JSON (the quotes of a
    JSON value break it) and parses object and array variables as JSON."""
    main, checked = parsed("main.bicep"), []
    for name, value in azd_parameters().items():
        match = re.fullmatch(r"\$\{([A-Z0-9_]+)(=[^}]*)?\}", str(value))
        if match and match.group(1) in json_settings():
            checked.append(name)
            assert main["parameters"][name]["type"] in ("object", "array"), name
    assert "tenantGroups" in checked


def test_the_tenant_groups_setting_is_the_objects_json_text() -> None:
    settings = {s["name"]: s["value"] for s in parsed("app/api.bicep")["variables"]
                ["appSettings"]["value"]}
    assert parsed("app/api.bicep")["parameters"]["tenantGroups"]["type"] == "object"
    assert settings["PRIVACY_TENANT_GROUPS"] == {
        "function": {"type": "string", "parameters": {"value_to_convert": "tenantGroups"}}}


def test_initial_secrets_are_written_only_when_the_hook_says_so() -> None:
    main = parsed("main.bicep")
    assert main["parameters"]["writeInitialSecrets"]["default"] is False
    assert azd_parameters()["writeInitialSecrets"] == "${PRIVACY_WRITE_INITIAL_SECRETS=false}"
    assert "PRIVACY_WRITE_INITIAL_SECRETS" not in main.get("outputs", {})


def _access(expression: Any) -> str:
    """``a.b.c`` from pycep's nested property accessors; a plain name as it is."""
    if isinstance(expression, str):
        return expression
    operands = expression["operator"]["operands"]
    return f"{_access(operands['operand_1'])}.{_access(operands['operand_2'])}"


def _assignments() -> list[dict[str, Any]]:
    main = parsed("main.bicep")
    roles = main["variables"]["roles"]["value"]
    found = main["modules"]["appRoles"]["config"]["params"]["assignments"]
    def role(expression: Any) -> str:
        """A built-in role's GUID from the roles table; another role as its expression."""
        name = _access(expression)
        return str(roles[name.removeprefix("roles.")]) if name.startswith("roles.") else name

    return [{**a, "name": _access(a["name"]), "roleId": role(a["roleId"])} for a in found]


def test_the_app_identity_gets_the_narrow_blob_role_and_owns_only_its_two_queues() -> None:
    given = {(a["kind"], a["roleId"]) for a in _assignments()}
    assert ("storage", ROLES["storageBlobDataContributor"]) in given
    assert ("serviceBusQueue", ROLES["serviceBusDataOwner"]) in given
    for dropped in ("storageBlobDataOwner", "serviceBusDataSender", "serviceBusDataReceiver"):
        assert ROLES[dropped] not in {role for _, role in given}, dropped
    queues = sorted(a["name"] for a in _assignments() if a["kind"] == "serviceBusQueue")
    assert queues == ["ingestQueueName", "notifyQueueName"]  # ingest, and the notify wake-ups


@pytest.mark.parametrize("ignored", ["http20Enabled", "remoteDebuggingEnabled"])
def test_the_flex_site_sets_no_property_the_plan_ignores(ignored: str) -> None:
    site = parsed("core/function-flex.bicep")["resources"]["site"]["config"]
    assert ignored not in site["properties"]["siteConfig"]


def test_function_app_diagnostic_settings_are_off_unless_asked_for() -> None:
    flex = parsed("core/function-flex.bicep")
    assert flex["parameters"]["diagnostics"]["default"] is False
    assert flex["resources"]["diagnosticSettings"]["config"]["condition"] == "diagnostics"
    assert parsed("main.bicep")["parameters"]["functionAppDiagnostics"]["default"] is False


def test_azd_gets_the_function_name_and_the_namespace_from_its_endpoint() -> None:
    outputs = parsed("main.bicep")["outputs"]
    assert _access(outputs["AZURE_FUNCTION_NAME"]["value"]) == "api.outputs.name"
    assert _access(outputs["SERVICEBUS__fullyQualifiedNamespace"]["value"]) == (
        "serviceBus.outputs.fullyQualifiedNamespace")


# --- EU placement (issue 16 item 4) --------------------------------------------------------

EU_MEMBER_STATE_LOCATIONS = {
    "westeurope", "northeurope", "francecentral", "francesouth", "germanywestcentral",
    "germanynorth", "swedencentral", "swedensouth", "italynorth", "polandcentral",
    "spaincentral", "austriaeast", "belgiumcentral", "denmarkeast", "finlandcentral",
    "greececentral",
}
"""Azure public regions located in EU member states (the test's own list, so adding a UK,
Swiss or Norwegian region to the EU placements fails here first)."""
GUARDED = ("placements", "placementError", "placedRegion")


def placed(privacy_region: str, location: str) -> Any:
    """The stamp's ``placedRegion`` for these parameters, as ARM evaluates it."""
    return evaluate("placedRegion", Scope(parsed("main.bicep"), {
        "privacyRegion": privacy_region, "location": location}))


def placements() -> dict[str, list[str]]:
    return dict(parsed("main.bicep")["variables"]["placements"]["value"])


def test_every_privacy_region_has_placements_and_nothing_else_does() -> None:
    decorators = parsed("main.bicep")["parameters"]["privacyRegion"]["decorators"]
    [allowed] = [d["argument"] for d in decorators if d["type"] == "allowed"]
    assert sorted(allowed) == sorted(placements()) == ["eu", "us"]
    assert "region" not in parsed("main.bicep")["parameters"]  # no unguarded twin


def test_eu_stamps_may_only_be_placed_in_eu_member_states() -> None:
    assert set(placements()["eu"]) <= EU_MEMBER_STATE_LOCATIONS
    assert not set(placements()["eu"]) & set(placements()["us"])


@pytest.mark.parametrize(("region", "location"), [
    (region, location) for region, locations in placements().items() for location in locations])
def test_a_listed_location_deploys(region: str, location: str) -> None:
    assert placed(region, location) == region


@pytest.mark.parametrize("location", ["West Europe", "WESTEUROPE", "Germany West Central"])
def test_display_names_of_eu_locations_deploy(location: str) -> None:
    assert placed("eu", location) == "eu"


@pytest.mark.parametrize(("region", "location"), [
    ("eu", "eastus"), ("eu", "uksouth"), ("eu", "switzerlandnorth"), ("eu", "norwayeast"),
    ("eu", "UK South"), ("eu", "westeurope2"), ("eu", "global"), ("eu", ""),
    ("us", "westeurope"), ("us", "canadacentral")])
def test_a_location_outside_the_region_stops_the_deployment(region: str, location: str) -> None:
    with pytest.raises(MissingProperty) as refused:
        placed(region, location)
    assert f"{location} is outside the Azure locations allowed for privacy region {region}" in (
        str(refused.value))


def test_the_checked_region_is_what_the_stamp_deploys_with() -> None:
    """The guard only stops a deployment that reads it: the resource group's tag does, first,
    and nothing reads the raw parameter but the guard itself."""
    main = parsed("main.bicep")
    assert main["variables"]["tags"]["value"]["'privacy-region'"] == "placedRegion"
    assert main["resources"]["rg"]["config"]["tags"] == "tags"
    assert main["modules"]["api"]["config"]["params"]["region"] == "placedRegion"
    assert main["outputs"]["PRIVACY_REGION"]["value"] == "placedRegion"
    code = re.sub(r"//[^\n]*", "", (BICEP / "main.bicep").read_text(encoding="utf-8"))
    readers = [line.split("=")[0].strip() for line in code.splitlines()
               if re.search(r"\bprivacyRegion\b", line) and not line.startswith("param ")]
    assert readers and all(reader.startswith(tuple(f"var {g}" for g in GUARDED))
                           for reader in readers), readers


def test_the_parameter_files_place_their_stamps_inside_their_regions() -> None:
    azd = azd_parameters()
    assert azd["privacyRegion"] == "${PRIVACY_REGION=eu}"
    assert placed("eu", azd["location"].removeprefix("${AZURE_LOCATION=").rstrip("}")) == "eu"
    us = json.loads((BICEP / "main.us.parameters.json").read_text(encoding="utf-8"))
    values = {name: p["value"] for name, p in us["parameters"].items()}
    assert placed(values["privacyRegion"], values["location"]) == "us"


# --- MFA, telemetry and app roles (issues 16 and 17) ---------------------------------------

def test_admin_tokens_are_validated_as_v1_tokens_which_carry_amr() -> None:
    """v2.0 access tokens have no amr claim (Entra access-token claims reference), so the
    stamp's PRIVACY_REQUIRE_MFA=true needs the v1.0 issuer and a v1.0 registration."""
    auth = parsed("core/function-flex.bicep")["resources"]["auth"]["config"]["properties"]
    issuer = auth["identityProviders"]["azureActiveDirectory"]["registration"]["openIdIssuer"]
    assert issuer.endswith("${authTenantId}/") and "v2.0" not in issuer
    readme = (BICEP / "README.md").read_text(encoding="utf-8")
    assert "api.requestedAccessTokenVersion=1" in readme
    assert "requestedAccessTokenVersion=2" not in readme


def test_telemetry_is_ingested_with_the_app_identity_only() -> None:
    insights = parsed("core/monitoring.bicep")["resources"]["applicationInsights"]["config"]
    assert insights["properties"]["DisableLocalAuth"] is True
    given = {(a["kind"], a["roleId"]) for a in _assignments()}
    assert ("appInsights", "3913510d-42f4-4e42-8a64-420c390055eb") in given  # Metrics Publisher


def test_the_sixth_app_role_is_for_the_telephony_service_identity_only() -> None:
    roles = json.loads((BICEP / "entra" / "app-roles.json").read_text(encoding="utf-8"))
    assert len(roles) == 6
    assert len({r["id"] for r in roles}) == len({r["value"] for r in roles}) == 6
    [telephony] = [r for r in roles if r["value"] == "Telephony.Ingest"]
    assert telephony["allowedMemberTypes"] == ["Application"] and telephony["isEnabled"]
    assert re.fullmatch(r"[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}", telephony["id"])
