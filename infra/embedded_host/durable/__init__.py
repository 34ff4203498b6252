"""Durable Functions for the embedded host: the same ``azure-functions-durable`` code as in Azure.

The host speaks the extension's out-of-process protocol to the library: for each new history
event it sends the orchestrator ``handle`` the context JSON (history, input, replay schema v3
with the Azure Storage provider's timer limits, as bundle v4 does in Azure) and executes the
cumulative action list it returns, awaiting each top-level action in order as the extension
does. State lives in ``<data-dir>/regions/<PRIVACY_REGION or eu>/taskhub.sqlite`` so a
restart (even kill -9) resumes every orchestration: activities at-least-once, completed ones
never again, timers once.

Modules: ``history`` (event shapes), ``plan`` (actions -> work with the library's task ids),
``episode`` (one replay), ``activities``, ``store`` (SQLite), ``engine`` (operations and work,
no threads), ``workers`` (threads, timers on the host clock), ``client_binding`` (the
``durableClient`` argument), ``http_api`` (``/runtime/webhooks/durabletask``), ``extension``
(host wiring; :func:`create_durable` returns None for apps without Durable functions).

Supported: ``call_activity``, ``call_activity_with_retry`` (first interval, max attempts; a
constant delay as the extension's default backoff of 1), ``create_timer`` (and ``cancel``;
beyond six days the library's long timer of three-day sub-timers, whose ``cancel`` the
extension never sees, so it holds the orchestration here as in Azure),
``wait_for_external_event``, ``task_any``, ``task_all``, ``set_custom_status``,
``current_utc_datetime`` (episode start times from the host clock), ``new_uuid``,
``continue_as_new`` (queued external events are kept), failures as ``Failed`` with the
message in the output; client ``start_new``, ``get_status`` (with history),
``get_status_all``/``get_status_by``, ``raise_event``, ``terminate``,
``purge_instance_history``, ``create_check_status_response``.

Not supported (the orchestration fails, or the API answers 501): sub-orchestrations,
entities (``call_entity``, ``signal_entity``, entity triggers, entity queries), ``call_http``,
suspend/resume, rewind, restart, purge by filter, ``createAndWait`` (``timeout`` on start is
ignored), versioning, task hub/connection selection (one hub per data dir), retry options
beyond first interval and max attempts, paging of instance queries. Differences: one new
event per episode (the library numbers retry tasks while it processes an event, so batching
would make those ids ambiguous); starting an existing id replaces the instance (the
extension's default); purging a running instance answers 404.
"""

from infra.embedded_host.durable.extension import (
    DurableExtension,
    create_durable,
    hub_name_from_host_json,
)

__all__ = ["DurableExtension", "create_durable", "hub_name_from_host_json"]
