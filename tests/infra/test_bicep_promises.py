"""Seed promises the stamp keeps by configuration (seed 000 TOMs 3.4 and 8.2, seed 004 4.1),
read from the templates with pycep-parser: every endpoint refuses anything below TLS 1.2, and
the system of record is backed up continuously, encrypted, restorable to a point in time."""

from __future__ import annotations

from tests.infra.test_bicep_mail_alerts import parsed, resource


def test_every_endpoint_of_the_stamp_refuses_plain_http_and_tls_below_1_2() -> None:
    site = resource("core/function-flex.bicep", "site")["properties"]
    assert site["httpsOnly"] is True
    assert (site["siteConfig"]["minTlsVersion"], site["siteConfig"]["scmMinTlsVersion"]) == (
        "1.2", "1.2")
    storage = resource("core/storage.bicep", "storage")["properties"]
    assert storage["minimumTlsVersion"] == "TLS1_2" and storage["supportsHttpsTrafficOnly"] is True
    assert resource("core/cosmos.bicep", "account")["properties"]["minimalTlsVersion"] == "Tls12"
    assert resource("core/servicebus.bicep", "namespace")["properties"]["minimumTlsVersion"] == (
        "1.2")


def test_the_system_of_record_is_backed_up_continuously_for_30_days_by_default() -> None:
    account = resource("core/cosmos.bicep", "account")["properties"]
    assert account["backupPolicy"]["type"] == "Continuous"
    assert account["backupPolicy"]["continuousModeProperties"]["tier"] == "backupTier"
    tier = parsed("core/cosmos.bicep")["parameters"]["backupTier"]
    assert tier["default"] == "Continuous30Days"
