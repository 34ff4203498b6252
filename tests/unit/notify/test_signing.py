"""Standard Webhooks signatures: the spec's published test vector, and our secrets."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from standardwebhooks import Webhook

from shared.notify import signing

# The vector of the Standard Webhooks reference libraries' test suites.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TS = datetime.fromtimestamp(1614265330, UTC)
VECTOR_BODY = '{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_published_vector_signs_as_the_spec_says() -> None:
    assert signing.signature(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY) == VECTOR_SIGNATURE


def test_headers_carry_id_unix_timestamp_and_one_signature_per_secret() -> None:
    other = signing.new_secret()
    headers = signing.headers([VECTOR_SECRET, other], VECTOR_ID, VECTOR_TS, VECTOR_BODY)
    assert headers["webhook-id"] == VECTOR_ID
    assert headers["webhook-timestamp"] == "1614265330"
    first, second = headers["webhook-signature"].split(" ")
    assert first == VECTOR_SIGNATURE
    assert second == Webhook(other).sign(VECTOR_ID, VECTOR_TS, VECTOR_BODY)


def test_a_new_secret_is_whsec_and_32_random_bytes() -> None:
    secrets = {signing.new_secret() for _ in range(20)}
    assert len(secrets) == 20
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
