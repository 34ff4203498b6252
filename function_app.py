"""The Functions app: one blueprint per trigger family, nothing else."""

import azure.functions as func

from functions import (
    accountability_http,
    admin_http,
    authority_http,
    console_api_http,
    console_http,
    dsar_http,
    dsar_orchestrations,
    dsar_workflow_http,
    incident_http,
    incident_timers,
    ingest_queue,
    key_timers,
    maintenance_timers,
    meta_http,
    notify_http,
    notify_triggers,
    problems_http,
    recordings_http,
    retention_http,
    retention_timers,
    widget_http,
)

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
for blueprint in (
    widget_http.bp,
    ingest_queue.bp,
    admin_http.bp,
    meta_http.bp,
    problems_http.bp,
    maintenance_timers.bp,
    retention_http.bp,
    retention_timers.bp,
    dsar_http.bp,
    dsar_orchestrations.bp,
    dsar_workflow_http.bp,
    incident_http.bp,
    incident_timers.bp,
    accountability_http.bp,
    key_timers.bp,
    console_http.bp,
    console_api_http.bp,
    notify_http.bp,
    notify_triggers.bp,
    recordings_http.bp,
    authority_http.bp,
):
    app.register_functions(blueprint)
