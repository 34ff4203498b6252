"""The SSRF guard: only public https addresses (plus loopback by name for the embedded host)."""

from __future__ import annotations

import pytest

from shared.notify.ssrf import RefusedUrl, check_url, is_public


def resolver(*addresses: str):  # type: ignore[no-untyped-def]
    return lambda host, port: list(addresses)


@pytest.mark.parametrize(
    "address",
    ["10.0.0.1", "172.16.5.4", "192.168.1.1", "127.0.0.1", "169.254.169.254", "100.64.0.1",
     "0.0.0.0", "224.0.0.1", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
     "240.0.0.1", "255.255.255.255"],
)
def test_internal_addresses_are_not_public(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::1111", "::ffff:93.184.216.34"])
def test_global_addresses_are_public(address: str) -> None:
    assert is_public(address)


def test_a_name_whose_any_address_is_internal_is_refused() -> None:
    with pytest.raises(RefusedUrl):
        check_url("https://hooks.example/x", False, resolver("93.184.216.34", "10.0.0.7"))


def test_a_public_name_gives_the_vetted_target() -> None:
    target = check_url("https://Hooks.Example:8443/p?q=1", False, resolver("93.184.216.34"))
    assert (target.scheme, target.host, target.port, target.path) == (
        "https", "hooks.example", 8443, "/p?q=1")
    assert target.addresses == ("93.184.216.34",)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.example/x", "https"),
        ("https://user:pw@hooks.example/x", "credentials"),
        ("https:///x", "credentials"),
        ("https://hooks.example:99999/x", "valid"),
    ],
)
def test_malformed_urls_are_refused_naming_why(url: str, why: str) -> None:
    with pytest.raises(RefusedUrl) as refused:
        check_url(url, True, resolver("93.184.216.34"))
    assert why in refused.value.errors[0].message
    assert "hooks.example" not in str(refused.value)


def test_a_name_that_does_not_resolve_is_refused() -> None:
    def fails(host: str, port: int) -> list[str]:
        raise OSError("no such name")

    with pytest.raises(RefusedUrl, match="not allowed"):
        check_url("https://nowhere.example/", False, fails)
    with pytest.raises(RefusedUrl):
        check_url("https://nowhere.example/", False, resolver())


def test_locally_only_loopback_by_its_two_names_is_accepted() -> None:
    local = check_url("http://localhost:8080/h", True, resolver("127.0.0.1", "::1"))
    assert local.scheme == "http" and set(local.addresses) == {"127.0.0.1", "::1"}
    with pytest.raises(RefusedUrl):  # another name for loopback is still refused
        check_url("https://loopback.example/h", True, resolver("127.0.0.1"))
    with pytest.raises(RefusedUrl):  # and localhost pointing elsewhere is not followed
        check_url("http://localhost/h", True, resolver("10.0.0.1"))
    with pytest.raises(RefusedUrl):  # production mode: no loopback at all
        check_url("http://127.0.0.1/h", False, resolver("127.0.0.1"))
