from shared.crypto.blind_index import blind_index, subject_id_for_visitor

KEY = bytes(range(32))


def test_known_answer() -> None:
    # Fixed key and input -> exact HMAC-SHA256 hex, so the format can never drift silently.
    assert blind_index(KEY, "t-1", "email", "jean@example.com") == (
        "d89424c97a9afc3607e04b26dafa9e33697d09f630aaa981d1e5e6fe54525f87"
    )


def test_same_identifier_in_two_tenants_gives_unrelated_digests() -> None:
    assert blind_index(KEY, "t-1", "email", "a@b.c") != blind_index(KEY, "t-2", "email", "a@b.c")


def test_kind_is_part_of_the_digest() -> None:
    assert blind_index(KEY, "t", "email", "x") != blind_index(KEY, "t", "phone", "x")


def test_subject_id_is_stable_and_pseudonymous() -> None:
    first = subject_id_for_visitor(KEY, "t", "visitor-123")
    assert first == subject_id_for_visitor(KEY, "t", "visitor-123")
    assert "visitor-123" not in first and first.startswith("s-")
    assert first != subject_id_for_visitor(KEY, "t2", "visitor-123")
