"""``function_app.py`` indexes in the real ``azure.functions`` programming model.

The Python worker indexes a v2 app by importing ``function_app.py`` and calling
``app.get_functions()`` once; for each function it sends the host the name and the raw binding
JSON (``get_raw_bindings()``). This test takes the same path and compares the result with an
explicit inventory, so a function lost from a blueprint (or a changed trigger, route, schedule or
queue) fails here rather than in Azure.
"""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest

ROOT = Path(__file__).resolve().parents[2]

HTTP, TIMER, BUS = "httpTrigger", "timerTrigger", "serviceBusTrigger"
ORCHESTRATION, ACTIVITY = "orchestrationTrigger", "activityTrigger"
OUT = frozenset({"http"})
CLIENT_OUT = frozenset({"http", "durableClient"})
NONE: frozenset[str] = frozenset()

# name: (trigger type, "METHODS route" | schedule | queue | "", other binding types)
EXPECTED: dict[str, tuple[str, str, frozenset[str]]] = {
    # widget endpoints (browsers)
    "collect": (HTTP, "POST,OPTIONS v1/collect", OUT),
    "submit_contact": (HTTP, "POST,OPTIONS v1/contacts", OUT),
    "submit_consent": (HTTP, "POST,OPTIONS v1/consents", OUT),
    "submit_message": (HTTP, "POST,OPTIONS v1/conversations/{conversationId}/messages", OUT),
    "submit_privacy_request": (HTTP, "POST,OPTIONS v1/privacy-requests", OUT),
    # ingest queue
    "process_ingest": (BUS, "%PRIVACY_INGEST_QUEUE%", NONE),
    # tenants, contacts, audit
    "create_tenant": (HTTP, "POST v1/tenants", OUT),
    "get_tenant": (HTTP, "GET v1/tenants/{tenantId}", OUT),
    "update_tenant": (HTTP, "PATCH v1/tenants/{tenantId}", OUT),
    "list_contacts": (HTTP, "GET v1/tenants/{tenantId}/contacts", OUT),
    "list_audit": (HTTP, "GET v1/tenants/{tenantId}/audit", OUT),
    "verify_audit": (HTTP, "GET v1/tenants/{tenantId}/audit/verify", OUT),
    "rotate_widget_key": (HTTP, "POST v1/tenants/{tenantId}/widget-key/rotate", OUT),
    "list_quarantine": (HTTP, "GET v1/quarantine", OUT),
    # meta
    "health": (HTTP, "GET v1/health", OUT),
    "readiness": (HTTP, "GET v1/readiness", OUT),
    "openapi": (HTTP, "GET v1/openapi.json", OUT),
    "problem_page": (HTTP, "GET v1/problems/{name}", OUT),
    # retention
    "purge_expired_items": (TIMER, "%PRIVACY_PURGE_CRON%", NONE),
    "create_legal_hold": (HTTP, "POST v1/tenants/{tenantId}/legal-holds", OUT),
    "release_legal_hold": (HTTP, "DELETE v1/tenants/{tenantId}/legal-holds/{holdId}", OUT),
    "start_offboarding": (HTTP, "POST v1/tenants/{tenantId}/offboarding", OUT),
    "get_offboarding": (HTTP, "GET v1/tenants/{tenantId}/offboarding", OUT),
    "download_offboarding_export": (HTTP, "GET v1/tenants/{tenantId}/offboarding/export", OUT),
    "run_retention_jobs": (TIMER, "%PRIVACY_RETENTION_JOB_CRON%", NONE),
    "sweep_expired_items": (TIMER, "%PRIVACY_SWEEP_CRON%", NONE),
    "sweep_audit_and_dead_letters": (TIMER, "%PRIVACY_HOUSEKEEPING_CRON%", NONE),
    "advance_offboarding": (TIMER, "%PRIVACY_OFFBOARDING_CRON%", NONE),
    # data-subject requests (Durable Functions)
    "start_dsar": (HTTP, "POST v1/tenants/{tenantId}/dsar", CLIENT_OUT),
    "list_dsar": (HTTP, "GET v1/tenants/{tenantId}/dsar", OUT),
    "get_dsar": (HTTP, "GET v1/tenants/{tenantId}/dsar/{requestId}", OUT),
    "decide_dsar": (HTTP, "POST v1/tenants/{tenantId}/dsar/{requestId}/decision", CLIENT_OUT),
    "extend_dsar": (HTTP, "POST v1/tenants/{tenantId}/dsar/{requestId}/extension", OUT),
    "download_dsar_export": (HTTP, "GET v1/tenants/{tenantId}/dsar/{requestId}/export", OUT),
    "verify_dsar": (HTTP, "POST v1/tenants/{tenantId}/dsar/{requestId}/verification", OUT),
    "exclude_dsar_match": (
        HTTP,
        "POST v1/tenants/{tenantId}/dsar/{requestId}/matches/{matchRef}/exclusion",
        OUT,
    ),
    "pause_dsar": (HTTP, "POST v1/tenants/{tenantId}/dsar/{requestId}/pause", OUT),
    "resume_dsar": (HTTP, "POST v1/tenants/{tenantId}/dsar/{requestId}/resume", CLIENT_OUT),
    "cancel_dsar": (HTTP, "POST v1/tenants/{tenantId}/dsar/{requestId}/cancel", CLIENT_OUT),
    "lift_dsar": (HTTP, "POST v1/tenants/{tenantId}/dsar/{requestId}/lift", OUT),
    "retry_dsar": (HTTP, "POST v1/tenants/{tenantId}/dsar/{requestId}/retry", CLIENT_OUT),
    "purge_finished_dsar": (
        TIMER,
        "%PRIVACY_DSAR_HOUSEKEEPING_CRON%",
        frozenset({"durableClient"}),
    ),
    "dsar_orchestrator": (ORCHESTRATION, "", NONE),
    "dsar_register": (ACTIVITY, "", NONE),
    "dsar_check_deadline": (ACTIVITY, "", NONE),
    "dsar_decision": (ACTIVITY, "", NONE),
    "dsar_reject": (ACTIVITY, "", NONE),
    "dsar_start": (ACTIVITY, "", NONE),
    "dsar_category": (ACTIVITY, "", NONE),
    "dsar_finish": (ACTIVITY, "", NONE),
    "dsar_hold": (ACTIVITY, "", NONE),
    "dsar_check_waiting": (ACTIVITY, "", NONE),
    "dsar_fail": (ACTIVITY, "", NONE),
    # incidents
    "report_incident": (HTTP, "POST v1/incidents", OUT),
    "list_incidents": (HTTP, "GET v1/incidents", OUT),
    "get_incident": (HTTP, "GET v1/incidents/{incidentId}", OUT),
    "update_incident": (HTTP, "PATCH v1/incidents/{incidentId}", OUT),
    "move_incident_notice": (HTTP, "POST v1/incidents/{incidentId}/notices/{tenantId}", OUT),
    "get_incident_notice": (HTTP, "GET v1/incidents/{incidentId}/notices/{tenantId}", OUT),
    "list_affected_subjects": (
        HTTP,
        "POST v1/incidents/{incidentId}/notices/{tenantId}/affected-subjects",
        OUT,
    ),
    "escalate_incident_notices": (TIMER, "%PRIVACY_INCIDENT_CRON%", NONE),
    "get_own_incident_notice": (
        HTTP, "GET v1/tenants/{tenantId}/incident-notices/{incidentId}", OUT
    ),
    "acknowledge_incident_notice": (
        HTTP, "POST v1/tenants/{tenantId}/incident-notices/{incidentId}/acknowledgement", OUT
    ),
    # notifications: webhooks, the dispatcher (queue wake-ups, timer backstop)
    "register_webhook": (HTTP, "POST v1/tenants/{tenantId}/webhooks", OUT),
    "list_webhooks": (HTTP, "GET v1/tenants/{tenantId}/webhooks", OUT),
    "delete_webhook": (HTTP, "DELETE v1/tenants/{tenantId}/webhooks/{webhookId}", OUT),
    "rotate_webhook_secret": (HTTP, "POST v1/tenants/{tenantId}/webhooks/{webhookId}/secret", OUT),
    "list_webhook_deliveries": (
        HTTP, "GET v1/tenants/{tenantId}/webhooks/{webhookId}/deliveries", OUT
    ),
    "deliver_notifications": (BUS, "%PRIVACY_NOTIFY_QUEUE%", NONE),
    "dispatch_notifications": (TIMER, "%PRIVACY_NOTIFY_CRON%", NONE),
    # authority requests and the tenants' notices of them
    "record_authority_request": (HTTP, "POST v1/authority-requests", OUT),
    "list_authority_requests": (HTTP, "GET v1/authority-requests", OUT),
    "get_authority_request": (HTTP, "GET v1/authority-requests/{requestId}", OUT),
    "update_authority_request": (HTTP, "PATCH v1/authority-requests/{requestId}", OUT),
    "list_authority_notices": (HTTP, "GET v1/tenants/{tenantId}/authority-notices", OUT),
    "release_authority_notices": (TIMER, "%PRIVACY_INCIDENT_CRON%", NONE),
    # key rotation: data keys re-wrapped to the newest KEK version
    "rotate_data_keys": (TIMER, "%PRIVACY_KEY_ROTATION_CRON%", NONE),
    # accountability: sub-processors, records of processing
    "list_subprocessors": (HTTP, "GET v1/subprocessors", OUT),
    "register_subprocessor": (HTTP, "POST v1/subprocessors", OUT),
    "propose_subprocessor_change": (HTTP, "POST v1/subprocessors/changes", OUT),
    "list_subprocessor_changes": (HTTP, "GET v1/subprocessors/changes", OUT),
    "get_subprocessor_change": (HTTP, "GET v1/subprocessors/changes/{changeId}", OUT),
    "activate_subprocessor_change": (
        HTTP,
        "POST v1/subprocessors/changes/{changeId}/activate",
        OUT,
    ),
    "object_to_subprocessor_change": (
        HTTP,
        "POST v1/tenants/{tenantId}/subprocessor-objections",
        OUT,
    ),
    "get_records_of_processing": (HTTP, "GET v1/tenants/{tenantId}/records-of-processing", OUT),
    # call recordings (the telephony service posts, a privacy admin listens)
    "store_recording": (HTTP, "POST v1/tenants/{tenantId}/recordings", OUT),
    "download_recording_audio": (
        HTTP,
        "GET v1/tenants/{tenantId}/recordings/{recordingId}/audio",
        OUT,
    ),
    # the privacy console: its files, its principal's grants, the tenant list
    "console_page": (HTTP, "GET console", OUT),
    "console_asset": (HTTP, "GET console/{asset}", OUT),
    "get_me": (HTTP, "GET v1/me", OUT),
    "list_tenants": (HTTP, "GET v1/tenants", OUT),
    "get_retention_limits": (HTTP, "GET v1/retention-limits", OUT),
}


@pytest.fixture(scope="module")
def indexed() -> dict[str, list[dict[str, Any]]]:
    """What the worker sends the host: function name -> raw binding JSON.

    ``function_app.py`` is run afresh, as the worker loads it: ``get_functions()`` may be called
    once per ``FunctionApp`` (a second call reports every name as a duplicate), and the
    embedded host may already have indexed the imported module's ``app`` in this process.
    """
    app = runpy.run_path(str(ROOT / "function_app.py"), run_name="function_app_indexing")["app"]
    assert isinstance(app, func.FunctionApp)
    functions = app.get_functions()
    names = [fn.get_function_name() for fn in functions]
    assert len(names) == len(set(names)), "duplicate function names"
    for fn in functions:
        assert json.loads(fn.get_function_json())["scriptFile"] == "function_app.py"
    return {
        fn.get_function_name(): [json.loads(b) for b in fn.get_raw_bindings()] for fn in functions
    }


def _trigger(bindings: list[dict[str, Any]]) -> dict[str, Any]:
    triggers = [b for b in bindings if b["type"].endswith("Trigger")]
    assert len(triggers) == 1, bindings
    return triggers[0]


def _key(trigger: dict[str, Any]) -> str:
    if trigger["type"] == HTTP:
        return f"{','.join(trigger['methods'])} {trigger['route']}"
    return str(trigger.get("schedule") or trigger.get("queueName") or "")


def test_every_expected_function_is_indexed(indexed: dict[str, list[dict[str, Any]]]) -> None:
    missing = sorted(set(EXPECTED) - set(indexed))
    assert missing == [], f"functions lost from function_app.py: {missing}"


def test_every_indexed_function_is_in_the_inventory(
    indexed: dict[str, list[dict[str, Any]]],
) -> None:
    unlisted = sorted(set(indexed) - set(EXPECTED))
    assert unlisted == [], f"add these to EXPECTED (and their settings to the Bicep): {unlisted}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_trigger_and_bindings_are_as_expected(
    indexed: dict[str, list[dict[str, Any]]], name: str
) -> None:
    if name not in indexed:
        pytest.fail(f"{name} is not indexed")
    trigger_type, key, others = EXPECTED[name]
    bindings = indexed[name]
    trigger = _trigger(bindings)
    assert (trigger["type"], _key(trigger)) == (trigger_type, key)
    assert frozenset(b["type"] for b in bindings if b is not trigger) == others
    for binding in bindings:
        assert binding["name"] and binding["direction"] in {"IN", "OUT", "INOUT"}, binding


def test_http_functions_are_anonymous_to_the_host(
    indexed: dict[str, list[dict[str, Any]]],
) -> None:
    """No function keys: widgets cannot keep one, and admin routes rely on Entra ID in front
    of the app plus the app's own role checks."""
    keyed = [
        name
        for name, bindings in indexed.items()
        for b in bindings
        if b["type"] == HTTP and b.get("authLevel") != "ANONYMOUS"
    ]
    assert keyed == []


def test_the_ingest_trigger_uses_the_identity_based_service_bus_connection(
    indexed: dict[str, list[dict[str, Any]]],
) -> None:
    trigger = _trigger(indexed["process_ingest"])
    assert trigger["connection"] == "SERVICEBUS"
    assert trigger["queueName"] == "%PRIVACY_INGEST_QUEUE%"
