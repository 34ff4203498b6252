"""Run one activity the way the Python worker does, and describe the result as a history event.

Input and output go through the worker's own ``ActivityTriggerConverter`` (``df_loads`` /
``df_dumps``), so activities see the same values as under the real host. An exception becomes
``TaskFailed`` with the reason and stack the orchestrator can catch; only its type is logged.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from datetime import datetime

from azure.functions import meta
from azure.functions.durable_functions import ActivityTriggerConverter

from infra.embedded_host.app_loader import FunctionDescriptor, call_sync
from infra.embedded_host.durable import history as h
from infra.embedded_host.durable.model import Activity

logger = logging.getLogger("embedded_host.durable")


class ActivityNotFound(LookupError):
    pass


def run_activity(
    function: FunctionDescriptor | None, activity: Activity, now: Callable[[], datetime]
) -> h.Event:
    fields = {"function": activity.name, "instance_id": activity.instance_id,
              "task_id": activity.task_id}
    try:
        if function is None:
            raise ActivityNotFound(f"The function '{activity.name}' doesn't exist, is disabled, "
                                   "or is not an activity function.")
        argument = ActivityTriggerConverter.decode(
            meta.Datum(activity.input if activity.input is not None else "null", "json"),
            trigger_metadata=None)
        result = call_sync(function, argument)
        text = ActivityTriggerConverter.encode(result, expected_type=None).value
    except Exception as exc:
        logger.warning("activity failed", extra={**fields, "error_type": type(exc).__name__})
        reason = f"Activity function '{activity.name}' failed: {type(exc).__name__}: {exc}"
        return h.task_failed(now(), activity.task_id, reason, "".join(
            traceback.format_exception(exc)))
    logger.debug("activity completed", extra=fields)
    return h.task_completed(now(), activity.task_id, str(text))
