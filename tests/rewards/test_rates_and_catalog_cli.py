"""`voucherbot rates …` and `voucherbot programmes catalog …` against a real SQLite database."""

from __future__ import annotations

import shutil

from tests.conftest import FIXTURES
from tests.rewards.test_cli import Cli, cli  # noqa: F401  (the fixture)


def test_an_operator_loads_ecb_rates_sets_one_by_hand_and_sees_both(cli: Cli) -> None:
    shutil.copy(FIXTURES / "fx" / "ecb-eurofxref-daily.xml", cli.folder / "rates.xml")

    loaded = cli("rates", "load", "rates.xml")
    put = cli("rates", "set", "eur", "gbp", "0.8400")
    shown = cli("rates", "show").stdout

    assert "loaded 5 rates from rates.xml (ECB, 2026-11-25)" in loaded.stdout
    assert "set 1 EUR = 0.84 GBP" in put.stdout
    assert "1 EUR = 1.085 USD\tecb\t2026-11-25 14:00 UTC" in shown
    assert "1 EUR = 0.84 GBP\tadmin:cli:operator" in shown and "0.83215" not in shown
    assert "rates older than 96 hours stop conversion" in shown


def test_bad_rates_input_is_refused_with_a_clear_message(cli: Cli) -> None:
    (cli.folder / "bad.xml").write_text("<html>not rates</html>")

    assert "not a number" in cli("rates", "set", "EUR", "USD", "1,0850", ok=False).stderr
    assert "a rate is a positive number" in cli("rates", "set", "EUR", "USD", "-1", ok=False).stderr
    refused = cli("rates", "load", "bad.xml", ok=False)
    assert (
        refused.returncode == 1
        and "Cube time" in refused.stderr
        and "Traceback" not in refused.stderr
    )


def test_an_operator_curates_a_programmes_catalog(cli: Cli) -> None:
    cli("programmes", "create", "kudos", "--name", "Harbour Kudos", "--currency", "USD")

    assert "whole shop" in cli("programmes", "catalog", "kudos", "show").stdout
    assert (
        "kudos now offers brand copper kettle coffee"
        in cli("programmes", "catalog", "kudos", "add", "brand", "Copper Kettle Coffee").stdout
    )
    assert (
        "already offers"
        in cli("programmes", "catalog", "kudos", "add", "brand", "copper kettle coffee").stdout
    )
    cli("programmes", "catalog", "kudos", "add", "country", "de")
    cli("programmes", "catalog", "kudos", "add", "product", "quiet-harbour-books")
    cli("programmes", "catalog", "kudos", "remove", "product", "quiet-harbour-books")

    shown = cli("programmes", "catalog", "kudos", "show").stdout
    assert shown.splitlines() == ["brand\tcopper kettle coffee", "country\tDE"]
    missing = cli("programmes", "catalog", "nope", "show", ok=False)
    assert "no reward programme 'nope'" in missing.stderr


def test_an_operator_sets_a_programmes_fx_margin_and_card_top_up(cli: Cli) -> None:
    cli("programmes", "create", "kudos", "--name", "Harbour Kudos", "--currency", "USD")

    done = cli("programmes", "options", "kudos", "--fx-margin", "1.5", "--card-topup")
    again = cli("programmes", "options", "kudos", "--no-card-topup")

    assert "kudos: FX margin 1.5%, may top up by card" in done.stdout
    assert "kudos: FX margin 1.5%, no card top-up" in again.stdout
    assert (
        "0 to 20 percent"
        in cli("programmes", "options", "kudos", "--fx-margin", "35", ok=False).stderr
    )
