import pytest

from shared.policies.minimisation import client_ip, minimise_url, truncate_ip, user_agent_families


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("203.0.113.77", "203.0.113.77"),
        ("203.0.113.77:51234", "203.0.113.77"),
        ("203.0.113.77, 10.0.0.4", "203.0.113.77"),
        ("[2001:db8::7]:443", "2001:db8::7"),
        ("2001:db8::7", "2001:db8::7"),
        ("garbage", None),
        (None, None),
    ],
)
def test_client_ip_comes_from_the_first_forwarded_hop(
    header: str | None, expected: str | None
) -> None:
    assert client_ip(header) == expected


def test_ipv4_truncates_to_24_and_ipv6_to_48() -> None:
    assert truncate_ip("203.0.113.77") == "203.0.113.0"
    assert truncate_ip("2001:db8:abcd:1234:5678::1") == "2001:db8:abcd::"


def test_query_strings_and_fragments_are_dropped_unless_allow_listed() -> None:
    url = "https://shop.example/checkout?email=jean%40example.com&utm_source=ad#step2"
    assert minimise_url(url, frozenset()) == "https://shop.example/checkout"
    assert (
        minimise_url(url, frozenset({"utm_source"}))
        == "https://shop.example/checkout?utm_source=ad"
    )


def test_user_info_in_urls_is_dropped() -> None:
    assert minimise_url("https://jean:pw@shop.example:8443/a", frozenset()) == (
        "https://shop.example:8443/a"
    )


def test_user_agent_keeps_only_families() -> None:
    ua = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
    )
    assert user_agent_families(ua) == ("Mobile Safari", "iOS", "iPhone")
