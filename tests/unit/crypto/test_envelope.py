import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.crypto.envelope import DecryptionFailed, FieldCipher, new_data_key, seal, unseal


def test_round_trip_returns_the_plaintext() -> None:
    cipher = FieldCipher(new_data_key(), "t-1", "s-1")
    token = cipher.encrypt("item-1", "email", "jean@example.com")
    assert "jean" not in token
    assert cipher.decrypt("item-1", "email", token) == "jean@example.com"


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=500))
def test_any_text_round_trips(value: str) -> None:
    cipher = FieldCipher(new_data_key(), "t", "s")
    assert cipher.decrypt("i", "f", cipher.encrypt("i", "f", value)) == value


def test_same_value_encrypts_differently_each_time() -> None:
    cipher = FieldCipher(new_data_key(), "t", "s")
    assert cipher.encrypt("i", "f", "x") != cipher.encrypt("i", "f", "x")


@pytest.mark.parametrize(
    ("tenant", "subject", "item", "field"),
    [
        ("t-2", "s-1", "item-1", "email"),
        ("t-1", "s-2", "item-1", "email"),
        ("t-1", "s-1", "item-2", "email"),
        ("t-1", "s-1", "item-1", "phone"),
    ],
)
def test_ciphertext_moved_to_another_record_fails(
    tenant: str, subject: str, item: str, field: str
) -> None:
    key = new_data_key()
    token = FieldCipher(key, "t-1", "s-1").encrypt("item-1", "email", "jean@example.com")
    with pytest.raises(DecryptionFailed):
        FieldCipher(key, tenant, subject).decrypt(item, field, token)


def test_tampered_ciphertext_fails() -> None:
    cipher = FieldCipher(new_data_key(), "t", "s")
    token = cipher.encrypt("i", "f", "secret")
    prefix, _, payload = token.partition(".")
    for position in (0, 12, -1):  # nonce, ciphertext, tag
        raw = bytearray(base64.b64decode(payload))
        raw[position] ^= 0x01
        with pytest.raises(DecryptionFailed):
            cipher.decrypt("i", "f", f"{prefix}.{base64.b64encode(bytes(raw)).decode()}")


def test_another_subjects_key_fails() -> None:
    token = FieldCipher(new_data_key(), "t", "s").encrypt("i", "f", "secret")
    with pytest.raises(DecryptionFailed):
        FieldCipher(new_data_key(), "t", "s").decrypt("i", "f", token)


def test_failure_message_holds_no_plaintext() -> None:
    cipher = FieldCipher(new_data_key(), "t", "s")
    token = cipher.encrypt("i", "f", "jean@example.com")
    with pytest.raises(DecryptionFailed) as caught:
        FieldCipher(new_data_key(), "t", "s").decrypt("i", "f", token)
    assert "jean" not in str(caught.value) and token not in str(caught.value)


def test_sealed_payload_binds_its_associated_data() -> None:
    key = new_data_key()
    sealed = seal(key, b"payload", b"message-1")
    assert unseal(key, sealed, b"message-1") == b"payload"
    with pytest.raises(DecryptionFailed):
        unseal(key, sealed, b"message-2")
