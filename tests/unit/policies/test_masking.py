from shared.policies.masking import mask_email, mask_phone


def test_email_keeps_first_letters_and_top_level_domain() -> None:
    assert mask_email("jean.dupont@example.com") == "j***@e***.com"


def test_phone_keeps_country_first_digit_and_last_two() -> None:
    masked = mask_phone("+33612345678")
    assert masked.startswith("+33 6") and masked.endswith("78")
    assert "1234" not in masked.replace(" ", "") and masked.count("*") == 6
