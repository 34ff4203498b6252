"""The urllib3 webhook sender against a receiver on loopback: pinned address, no redirects."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from shared.adapters.urllib3_sender import Urllib3Sender
from shared.ports.webhook_sender import SendFailed, Target
from tests.e2e.host_process import free_port
from tests.receiver import Receiver, serve


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve(Receiver())


def target(port: int, scheme: str = "http") -> Target:
    """A name nobody resolves: the sender must connect to the vetted address only."""
    return Target(scheme, "hooks.shop.invalid", port, "/in?x=1", ("127.0.0.1",))


def test_it_posts_to_the_vetted_address_with_the_url_s_host(receiver: Receiver) -> None:
    status = Urllib3Sender().post(target(receiver.port), b'{"a":1}', {"webhook-id": "e1"}, 5.0)
    assert status == 200
    [got] = receiver.received
    assert got.path == "/in?x=1" and got.body == b'{"a":1}'
    assert got.headers["host"] == f"hooks.shop.invalid:{receiver.port}"
    assert got.headers["webhook-id"] == "e1"
    assert got.headers["content-type"] == "application/json"


def test_a_redirect_is_an_answer_not_a_hop(receiver: Receiver) -> None:
    receiver.answers = [307]
    assert Urllib3Sender().post(target(receiver.port), b"{}", {}, 5.0) == 307
    assert len(receiver.received) == 1


def test_no_answer_in_time_is_a_timeout(receiver: Receiver) -> None:
    receiver.hold = threading.Event()
    with pytest.raises(SendFailed, match="timeout"):
        Urllib3Sender().post(target(receiver.port), b"{}", {}, 0.5)


def test_nobody_listening_is_a_connection_failure() -> None:
    with pytest.raises(SendFailed, match="connection"):
        Urllib3Sender().post(target(free_port()), b"{}", {}, 2.0)


def test_https_to_a_plain_http_server_fails_without_sending(receiver: Receiver) -> None:
    with pytest.raises(SendFailed):
        Urllib3Sender().post(target(receiver.port, "https"), b"{}", {}, 2.0)
