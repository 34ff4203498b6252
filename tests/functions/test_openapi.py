from __future__ import annotations

from openapi_spec_validator import validate

from tests.app_client import FUNCTIONS, AppClient


def test_openapi_document_is_valid_and_lists_every_http_route(client: AppClient) -> None:
    answer = client.call("openapi", "GET")
    assert answer.status == 200
    document = answer.json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    documented = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    registered = set()
    for fn in FUNCTIONS.values():
        trigger = fn.get_trigger().get_dict_repr()
        if trigger["type"] != "httpTrigger":
            continue
        for method in trigger["methods"]:
            if str(method.value) != "OPTIONS":
                registered.add((str(method.value), "/api/" + trigger["route"]))
    assert documented == registered


def test_health_names_region_and_backends(client: AppClient) -> None:
    body = client.call("health", "GET").json()
    checks = body.pop("checks")
    assert body == {
        "status": "ok",
        "region": "eu",
        "backends": {"store": "sqlite", "bus": "sqlite", "keys": "files"},
        "quarantined": 0,
    }
    assert {name: (c["status"], c["backend"]) for name, c in checks.items()} == {
        "store": ("up", "sqlite"), "directory": ("up", "sqlite"), "bus": ("up", "sqlite"),
        "keys": ("up", "files"), "blobs": ("up", "directory"),
    }


def test_the_document_describes_every_shared_answer_redirects_and_links(
    client: AppClient,
) -> None:
    paths = client.call("openapi", "GET").json()["paths"]
    tenant = "/api/v1/tenants/{tenantId}"
    patch = paths[tenant]["patch"]["responses"]
    assert {"200", "400", "401", "403", "404", "409", "413", "421"} <= set(patch)
    assert patch["409"]["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
    offboarding = paths[f"{tenant}/offboarding/export"]["get"]["responses"]
    assert "Location" in offboarding["303"]["headers"]
    assert set(offboarding["200"]["content"]) == {"application/zip"}
    export = paths[f"{tenant}/dsar/{{requestId}}/export"]["get"]["responses"]
    assert set(export["200"]["content"]) == {"application/json", "application/zip"}
    assert "303" in export
    records = paths[f"{tenant}/records-of-processing"]["get"]["responses"]["200"]["content"]
    assert set(records) == {"application/json", "text/markdown"}
    assert "Retry-After" in paths["/api/v1/collect"]["post"]["responses"]["429"]["headers"]
    links = paths["/api/v1/tenants"]["post"]["responses"]["201"]["links"]
    assert links["GetTenant"]["parameters"] == {"tenantId": "$response.body#/tenantId"}
    started = paths[f"{tenant}/dsar"]["post"]["responses"]["202"]["links"]["GetDsar"]
    assert started["parameters"]["requestId"] == "$response.body#/requestId"
    rotate = paths[f"{tenant}/widget-key/rotate"]["post"]
    assert rotate["requestBody"]["required"] is False and "201" in rotate["responses"]
