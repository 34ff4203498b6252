"""E-mail (issue 15) and real-time alerts (issue 16) in the stamp, read from the templates with
pycep-parser: who may send mail and with what, where mail data rests, what each alert watches
and whom it tells. The metric names are the ones agreed with the app (briefs' contracts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pycep import BicepParser

from tests.infra.bicep_values import Scope, evaluate

BICEP = Path(__file__).resolve().parents[2] / "bicep"
PARSER = BicepParser()
CONTRACT_METRICS = {
    "dsar-overdue": "privacy.dsar.overdue",
    "access-denied-spike": "privacy.access.denied",
    "breach-notice-due": "privacy.incident.notices_due_soon",
}
SENDER_ACTIONS = {
    "Microsoft.Communication/CommunicationServices/Read",
    "Microsoft.Communication/CommunicationServices/Write",
    "Microsoft.Communication/EmailServices/write",
}
BROAD_ROLES = {
    "09976791-48a7-449e-bb21-39d1a415f350",  # Communication and Email Service Owner
    "b24988ac-6180-42a0-ab88-20f7382dd24c",  # Contributor
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",  # Owner
}
PERSONAL_COLUMNS = ("client_IP", "url", "customDimensions", "user_", "session_", "operation_")


def parsed(relative: str) -> Any:
    return PARSER.parse(text=(BICEP / relative).read_text(encoding="utf-8"))


def resource(relative: str, name: str) -> Any:
    return parsed(relative)["resources"][name]["config"]


def access(expression: Any) -> str:
    """``a.b.c`` from pycep's nested property accessors; a plain name as it is."""
    if isinstance(expression, str):
        return expression
    operands = expression["operator"]["operands"]
    assert expression["operator"]["type"] == "property_accessor", expression
    return f"{access(operands['operand_1'])}.{access(operands['operand_2'])}"


def main_params(module: str) -> dict[str, Any]:
    return dict(parsed("main.bicep")["modules"][module]["config"]["params"])


def test_mail_data_rests_in_the_stamps_geography() -> None:
    main = parsed("main.bicep")
    assert main_params("email")["dataLocation"] == {"operator": {
        "type": "index_accessor", "operands": {"operand_1": "mailDataLocations",
                                               "operand_2": "placedRegion"}}}
    for region, location, geography in (("eu", "westeurope", "Europe"),
                                        ("us", "eastus2", "United States")):
        scope = Scope(main, {"privacyRegion": region, "location": location})
        assert evaluate(main_params("email")["dataLocation"], scope) == geography
    for name in ("emailService", "communicationService"):
        assert resource("core/email.bicep", name)["properties"]["dataLocation"] == "dataLocation"


def test_the_communication_service_sends_from_its_managed_domain_without_keys() -> None:
    service = resource("core/email.bicep", "communicationService")["properties"]
    assert service["disableLocalAuth"] is True
    assert [access(d) for d in service["linkedDomains"]] == ["managedDomain.id"]
    domain = resource("core/email.bicep", "managedDomain")
    assert domain["name"] == "AzureManagedDomain"
    assert domain["properties"] == {"domainManagement": "AzureManaged",
                                    "userEngagementTracking": "Disabled"}
    outputs = parsed("core/email.bicep")["outputs"]
    assert outputs["sender"]["value"] == (
        "DoNotReply@${managedDomain.properties.mailFromSenderDomain}")
    assert outputs["endpoint"]["value"] == "https://${communicationService.properties.hostName}"


def test_mail_logs_hold_no_recipient_addresses() -> None:
    logs = resource("core/email.bicep", "diagnostics")["properties"]["logs"]
    assert [entry["category"] for entry in logs] == ["EmailSendMailOperational"]


def test_the_app_identity_may_send_mail_and_nothing_more() -> None:
    email = parsed("core/email.bicep")
    assert set(email["variables"]["senderActions"]["value"]) == SENDER_ACTIONS
    role = resource("core/email.bicep", "senderRole")["properties"]
    [permissions] = role["permissions"]
    assert permissions["actions"] == "senderActions"
    assert permissions["dataActions"] == permissions["notDataActions"] == []
    assert len(role["assignableScopes"]) == 1 and "resource_group" in json.dumps(
        role["assignableScopes"])
    assert "${resourceGroup().name}" in role["roleName"]  # unique per directory, per stamp
    assignments = main_params("appRoles")["assignments"]
    [sender] = [a for a in assignments if a["kind"] == "communication"]
    assert access(sender["roleId"]) == "email.outputs.senderRoleId"
    assert access(sender["name"]) == "email.outputs.communicationServiceName"
    assert not BROAD_ROLES & set(parsed("main.bicep")["variables"]["roles"]["value"].values())


def test_the_app_is_told_where_and_as_whom_to_send() -> None:
    api = main_params("api")
    assert access(api["mailEndpoint"]) == "email.outputs.endpoint"
    assert access(api["mailSender"]) == "email.outputs.sender"
    assert api["oncallEmail"] == "oncallEmail"


def test_alerts_mail_the_on_call_address_from_the_azd_environment() -> None:
    group = resource("core/alerts.bicep", "actionGroup")["properties"]
    assert group["enabled"] is True and len(group["groupShortName"]) <= 12
    assert [r["emailAddress"] for r in group["emailReceivers"]] == ["oncallEmail"]
    assert main_params("alerts")["oncallEmail"] == "oncallEmail"
    data = json.loads((BICEP / "main.parameters.json").read_text(encoding="utf-8"))
    assert data["parameters"]["oncallEmail"]["value"] == "${PRIVACY_ONCALL_EMAIL}"
    assert parsed("main.bicep")["parameters"]["oncallEmail"]["default"] is None  # required


def test_dead_letters_on_the_ingest_queue_alert_at_the_first_message() -> None:
    alert = resource("core/alerts.bicep", "deadLetters")["properties"]
    [criterion] = alert["criteria"]["allOf"]
    assert (criterion["metricName"], criterion["operator"], criterion["threshold"]) == (
        "DeadletteredMessages", "GreaterThan", 0)
    assert criterion["dimensions"] == [
        {"name": "EntityName", "operator": "Include", "values": ["ingestQueueName"]}]
    assert alert["scopes"] == ["serviceBusNamespaceId"]
    assert [access(a["actionGroupId"]) for a in alert["actions"]] == ["actionGroup.id"]
    assert main_params("alerts")["ingestQueueName"] == "ingestQueueName"


def log_alerts() -> dict[str, dict[str, Any]]:
    return {a["name"]: a for a in parsed("core/alerts.bicep")["variables"]["logAlerts"]["value"]}


@pytest.mark.parametrize(("alert", "metric"), sorted(CONTRACT_METRICS.items()))
def test_each_contract_metric_has_its_log_alert(alert: str, metric: str) -> None:
    query = log_alerts()[alert]["query"]
    assert f'customMetrics | where name == "{metric}" | summarize ' in query
    assert log_alerts()[alert]["column"] in query.rsplit("summarize", 1)[1]


def test_the_5xx_alert_reads_the_request_table_as_a_share_of_enough_requests() -> None:
    alert = log_alerts()["server-errors"]
    assert alert["query"].startswith("requests | summarize ")
    assert "toint(resultCode) >= 500" in alert["query"]
    assert "where total >= ${serverErrorMinRequests}" in alert["query"]
    assert (alert["column"], alert["threshold"]) == ("failedPercent", "serverErrorPercent")


@pytest.mark.parametrize("name", sorted(log_alerts()))
def test_log_alert_results_are_numbers_only(name: str) -> None:
    """Alert mails carry the query's result columns: an aggregate leaves no personal value."""
    query = log_alerts()[name]["query"]
    assert " | summarize " in query and not any(c in query for c in PERSONAL_COLUMNS), query


def test_log_alerts_run_on_application_insights_and_mail_the_action_group() -> None:
    rule = resource("core/alerts.bicep", "queryAlerts")["config"]
    assert rule["kind"] == "LogAlert" and rule["properties"]["scopes"] == ["applicationInsightsId"]
    assert [access(g) for g in rule["properties"]["actions"]["actionGroups"]] == [
        "actionGroup.id"]
    assert access(main_params("alerts")["applicationInsightsId"]) == (
        "monitoring.outputs.applicationInsightsId")
    severities = {name: alert["severity"] for name, alert in log_alerts().items()}
    assert severities["breach-notice-due"] == 0 == min(severities.values())
