"""Operations of accountability: incidents and notices, subprocessors, records of processing."""

from __future__ import annotations

from shared.accountability.incident_models import (
    AffectedSubjects,
    AffectedSubjectsRequest,
    BreachNotice,
    IncidentCreate,
    IncidentCreated,
    IncidentPage,
    IncidentPatch,
    IncidentView,
    NoticeMove,
)
from shared.accountability.records_models import RecordsOfProcessing
from shared.accountability.subprocessor_models import (
    ObjectionCreate,
    ObjectionRecorded,
    Subprocessor,
    SubprocessorChange,
    SubprocessorChangeCreate,
    SubprocessorChangePage,
    SubprocessorPage,
    SubprocessorSpec,
)
from shared.openapi.operation import ADMIN_ERRORS, Link, Operation

PLATFORM = ("Platform.Admin",)
CONFLICTS = (*ADMIN_ERRORS, 409)
_I = "/api/v1/incidents"
_N = _I + "/{incidentId}/notices/{tenantId}"
_S = "/api/v1/subprocessors"
_C = _S + "/changes"
_INCIDENT = {"incidentId": "$response.body#/incidentId"}
_CHANGE = {"changeId": "$response.body#/changeId"}

ACCOUNTABILITY: tuple[Operation, ...] = (
    Operation(
        "post",
        _I,
        "report_incident",
        "Report a personal-data breach; notices are due 48 h after detection",
        201,
        IncidentCreated,
        IncidentCreate,
        PLATFORM,
        errors=(*ADMIN_ERRORS, 421),
        links=(
            Link("GetIncident", "get_incident", _INCIDENT),
            Link("UpdateIncident", "update_incident", _INCIDENT),
        ),
    ),
    Operation(
        "get",
        _I,
        "list_incidents",
        "Incidents, newest detection first",
        200,
        IncidentPage,
        roles=PLATFORM,
        query=("limit", "continuation"),
    ),
    Operation(
        "get",
        _I + "/{incidentId}",
        "get_incident",
        "An incident with its affected tenants, approximate counts and notice status",
        200,
        IncidentView,
        roles=PLATFORM,
    ),
    Operation(
        "patch",
        _I + "/{incidentId}",
        "update_incident",
        "Refine an incident (a new window or categories recounts every tenant)",
        200,
        IncidentView,
        IncidentPatch,
        PLATFORM,
    ),
    Operation(
        "post",
        _N,
        "move_incident_notice",
        "Record a notice as sent or acknowledged (pending -> sent -> acknowledged)",
        200,
        BreachNotice,
        NoticeMove,
        PLATFORM,
        errors=CONFLICTS,
    ),
    Operation(
        "get",
        _N,
        "get_incident_notice",
        "The breach notice of one tenant (JSON, or Markdown with format=markdown)",
        200,
        BreachNotice,
        roles=PLATFORM,
        query=("format",),
        markdown=True,
    ),
    Operation(
        "post",
        _N + "/affected-subjects",
        "list_affected_subjects",
        "On the controller's instruction: the ids of its data subjects whose data the breach "
        "window covers (pseudonymous ids only, nothing decrypted), audited",
        200,
        AffectedSubjects,
        AffectedSubjectsRequest,
        PLATFORM,
        errors=(*ADMIN_ERRORS, 421),
    ),
    Operation(
        "get",
        _S,
        "list_subprocessors",
        "The subprocessor register",
        200,
        SubprocessorPage,
        roles=PLATFORM,
    ),
    Operation(
        "post",
        _S,
        "register_subprocessor",
        "Record an entry of the register tenants agreed to (new ones go through a change)",
        201,
        Subprocessor,
        SubprocessorSpec,
        PLATFORM,
    ),
    Operation(
        "post",
        _C,
        "propose_subprocessor_change",
        "Propose adding, replacing or removing a subprocessor: 14 days' notice, 7 to object",
        201,
        SubprocessorChange,
        SubprocessorChangeCreate,
        PLATFORM,
        errors=CONFLICTS,
        links=(
            Link("GetChange", "get_subprocessor_change", _CHANGE),
            Link("ActivateChange", "activate_subprocessor_change", _CHANGE),
        ),
    ),
    Operation(
        "get",
        _C,
        "list_subprocessor_changes",
        "Register changes, newest first",
        200,
        SubprocessorChangePage,
        roles=PLATFORM,
    ),
    Operation(
        "get",
        _C + "/{changeId}",
        "get_subprocessor_change",
        "A register change with its notice period and the tenants' objections",
        200,
        SubprocessorChange,
        roles=PLATFORM,
    ),
    Operation(
        "post",
        _C + "/{changeId}/activate",
        "activate_subprocessor_change",
        "Apply a change once its 14-day notice period has run (409 before)",
        200,
        SubprocessorChange,
        roles=PLATFORM,
        errors=CONFLICTS,
    ),
    Operation(
        "post",
        "/api/v1/tenants/{tenantId}/subprocessor-objections",
        "object_to_subprocessor_change",
        "Object to a proposed change within 7 days of learning of it (409 after)",
        201,
        ObjectionRecorded,
        ObjectionCreate,
        ("Privacy.Admin",),
        errors=CONFLICTS,
    ),
    Operation(
        "get",
        "/api/v1/tenants/{tenantId}/records-of-processing",
        "get_records_of_processing",
        "Records of processing from the live settings (JSON, or Markdown with format=markdown)",
        200,
        RecordsOfProcessing,
        roles=("any role in scope",),
        errors=(*ADMIN_ERRORS, 421),
        query=("format",),
        markdown=True,
    ),
)
