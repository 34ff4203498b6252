from shared.policies.masking import contact_masks, mask_email, mask_name, mask_phone, mask_text
from shared.tenancy.models import SupportSees


def test_email_keeps_first_letters_and_top_level_domain() -> None:
    assert mask_email("jean.dupont@example.com") == "j***@e***.com"


def test_phone_keeps_country_first_digit_and_last_two() -> None:
    masked = mask_phone("+33612345678")
    assert masked.startswith("+33 6") and masked.endswith("78")
    assert "1234" not in masked.replace(" ", "") and masked.count("*") == 6


def test_name_keeps_its_first_letter_and_text_only_its_length() -> None:
    assert mask_name(" Jean Dupont") == "J***"
    assert mask_text("call me on 06 12") == "[hidden: 16 characters]"


def test_support_masks_follow_the_tenant_setting_full_access_masks_nothing() -> None:
    assert contact_masks(True, SupportSees()) == {}
    assert contact_masks(False, SupportSees()) == {
        "email": "email",
        "phone": "phone",
        "name": "name",
        "message": "text",
    }
    assert contact_masks(False, SupportSees(name=True, message=True)) == {
        "email": "email",
        "phone": "phone",
    }
