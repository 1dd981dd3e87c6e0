"""The provider settings: tango beside builtin and xoxoday, its credentials required, low-balance
thresholds."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings

TANGO = {
    "tango_platform_name": "QuietHarbourPlatform",
    "tango_platform_key": "tango-key-for-tests-only",
    "tango_customer_id": "harbour-customer",
    "tango_account_id": "harbour-account",
}


def test_tango_is_a_provider_beside_builtin_and_xoxoday_with_its_credentials() -> None:
    settings = load_settings(_env_file=None, voucher_provider="builtin,tango", **TANGO)
    assert settings.voucher_provider == ["builtin", "tango"]
    assert settings.tango_base_url == "https://integration-api.tangocard.com/raas/v2"
    assert "tango-key-for-tests-only" not in repr(settings)


def test_tango_without_its_credentials_is_refused_naming_the_settings() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(
            _env_file=None, voucher_provider="tango", tango_platform_name="QuietHarbourPlatform"
        )
    assert "TANGO_PLATFORM_KEY" in str(caught.value) and "TANGO_ACCOUNT_ID" in str(caught.value)


def test_an_unknown_provider_is_refused_with_the_ones_there_are() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, voucher_provider="builtin,giftly")
    assert "builtin, xoxoday, tango" in str(caught.value) and "giftly" in str(caught.value)


def test_low_balance_thresholds_are_read_per_currency_in_major_units() -> None:
    settings = load_settings(_env_file=None, provider_low_balance="USD:500, eur:12.50, JPY:3000")
    assert settings.provider_low_balance == {"USD": 50000, "EUR": 1250, "JPY": 3000}


def test_a_threshold_that_is_not_currency_and_amount_says_how_to_write_it() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, provider_low_balance="500 dollars")
    assert "CURRENCY:AMOUNT" in str(caught.value)
