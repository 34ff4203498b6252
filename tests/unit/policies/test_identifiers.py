import pytest

from shared.policies.identifiers import InvalidIdentifier, normalise_email, normalise_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Jean.Dupont@Example.COM ", "jean.dupont@example.com"),
        ("anna@Bücher.example", "anna@xn--bcher-kva.example"),
        ("x@EXAMPLE.org.", "x@example.org"),
    ],
)
def test_emails_normalise_to_one_form(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected


@pytest.mark.parametrize("raw", ["no-at-sign", "a@localhost", "two words@example.com", "@x.com"])
def test_invalid_emails_are_refused_without_echo(raw: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        normalise_email(raw)
    assert raw not in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("+33 6 12 34 56 78", None, "+33612345678"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("(415) 555-0123", "US", "+14155550123"),
        ("+44 20 7946 0958", "FR", "+442079460958"),
    ],
)
def test_phones_normalise_to_e164(raw: str, country: str | None, expected: str) -> None:
    assert normalise_phone(raw, country) == expected


def test_national_number_without_default_country_is_refused() -> None:
    with pytest.raises(InvalidIdentifier):
        normalise_phone("06 12 34 56 78", None)
