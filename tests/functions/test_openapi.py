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
    assert body == {
        "status": "ok",
        "region": "eu",
        "backends": {"store": "sqlite", "bus": "sqlite", "keys": "files"},
        "quarantined": 0,
    }
