"""The built-in provider: readable codes whose check symbol catches typos, PINs, links and
expiry."""

from __future__ import annotations

import logging
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from adapters.providers.builtin import (
    ALPHABET,
    BuiltinProvider,
    brand_prefix,
    check_symbol,
    is_valid_code,
    new_code,
    normalize_code,
)
from core.catalog import ExpiryPolicy, Product
from core.errors import ProviderError
from core.money import Money

SYMBOL = f"[{ALPHABET}]"
CODE_SHAPE = re.compile(rf"^{SYMBOL}{{4}}-{SYMBOL}{{4}}-{SYMBOL}{{4}}-{SYMBOL}{{2}}$")
TODAY = date(2026, 3, 1)


def product(voucher_format: str = "code", redeem_url: str = "", **changes: object) -> Product:
    fields: dict[str, object] = {
        "id": f"qhb-{voucher_format}",
        "brand": "Quiet Harbour Books",
        "name": "Quiet Harbour Books gift card",
        "currency": "GBP",
        "denominations": (1000, 2500),
        "voucher_format": voucher_format,
        "redeem_url": redeem_url,
        "expiry": ExpiryPolicy(days_after_issue=30),
    }
    return Product(**{**fields, **changes})  # type: ignore[arg-type]


async def issue(item: Product, provider: BuiltinProvider | None = None, order_id: str = "ord-1"):  # type: ignore[no-untyped-def]
    provider = provider or BuiltinProvider()
    return await provider.issue(
        order_id=order_id, product=item, amount=Money(2500, "GBP"), today=TODAY
    )


def compact(code: str) -> str:
    return code.replace("-", "")


def test_a_code_is_four_groups_starting_with_the_brand_and_ending_with_its_check_symbol() -> None:
    code = new_code("Quiet Harbour Books")

    assert CODE_SHAPE.match(code), code
    assert code.startswith("QHB")
    assert compact(code)[-1] == check_symbol(compact(code)[:-1])
    assert is_valid_code(code)


def test_the_check_symbol_catches_every_single_symbol_typo() -> None:
    for _ in range(20):
        code = compact(new_code("Lantern Tea House"))
        for position, original in enumerate(code):
            for typo in ALPHABET.replace(original, ""):
                assert not is_valid_code(code[:position] + typo + code[position + 1 :]), (
                    code,
                    position,
                    typo,
                )


def test_the_check_symbol_catches_every_swap_of_two_different_symbols() -> None:
    for _ in range(20):
        code = compact(new_code("Northwind Outfitters"))
        for left in range(len(code)):
            for right in range(left + 1, len(code)):
                if code[left] != code[right]:
                    swapped = list(code)
                    swapped[left], swapped[right] = swapped[right], swapped[left]
                    assert not is_valid_code("".join(swapped)), (code, left, right)


def test_the_check_symbol_catches_the_swap_that_defeats_luhn() -> None:
    # Luhn mod N misses swapping the first and last symbols of the alphabet (like 09 -> 90 in Luhn).
    body = "QHB" + ALPHABET[0] + ALPHABET[-1] + "K3M9Q2XH"
    code = body + check_symbol(body)
    swapped = "QHB" + ALPHABET[-1] + ALPHABET[0] + "K3M9Q2XH" + code[-1]

    assert is_valid_code(code)
    assert not is_valid_code(swapped)


def test_codes_never_contain_characters_that_look_alike() -> None:
    symbols = set("".join(compact(new_code("Pixel Orchard Games")) for _ in range(1000)))

    assert symbols.isdisjoint("0O1IL")
    assert symbols <= set(ALPHABET)


def test_a_thousand_codes_are_all_different() -> None:
    codes = {new_code("Sakura Lane Bakery") for _ in range(1000)}

    assert len(codes) == 1000


def test_a_code_typed_in_lower_case_with_spaces_is_still_valid() -> None:
    code = new_code("Quiet Harbour Books")
    typed = " ".join(compact(code).lower()[i : i + 3] for i in range(0, 14, 3))

    assert is_valid_code(typed)
    assert normalize_code(typed) == code


@pytest.mark.parametrize(
    "text", ["", "QHB7-K3M9", "QHB7-K3M9-Q2XH-4W-22", "QHB0-K3M9-Q2XH-4W", "QHB7-K3M9-Q2XH-4?"]
)
def test_malformed_codes_are_not_valid(text: str) -> None:
    assert not is_valid_code(text)


@pytest.mark.parametrize(
    ("brand", "prefix"),
    [
        ("Quiet Harbour Books", "QHB"),
        ("Lantern Tea House", "THA"),  # L is left out: it reads as 1
        ("Ölberg Café", "CBE"),  # accents dropped; O and L left out
        ("Indigo Loom Textiles", "TND"),
    ],
)
def test_the_brand_prefix_uses_initials_without_ambiguous_letters(brand: str, prefix: str) -> None:
    assert brand_prefix(brand) == prefix


def test_a_brand_without_latin_letters_gets_a_stable_prefix_of_its_own() -> None:
    prefix = brand_prefix("星空文具")

    assert len(prefix) == 3 and set(prefix) <= set(ALPHABET)
    assert brand_prefix("星空文具") == prefix != brand_prefix("桜レーン")


async def test_a_code_voucher_has_no_pin_and_no_link_of_its_own() -> None:
    voucher = await issue(product("code", redeem_url="https://quietharbourbooks.example/gift"))

    assert is_valid_code(voucher.code)
    assert (voucher.pin, voucher.redeem_url) == (None, None)


async def test_a_code_pin_voucher_has_a_six_digit_pin() -> None:
    voucher = await issue(product("code_pin"))

    assert voucher.pin is not None and re.fullmatch(r"\d{6}", voucher.pin)


async def test_the_pin_length_can_be_four_digits() -> None:
    voucher = await issue(product("code_pin"), BuiltinProvider(pin_digits=4))

    assert voucher.pin is not None and re.fullmatch(r"\d{4}", voucher.pin)


def test_a_pin_longer_than_six_digits_is_refused() -> None:
    with pytest.raises(ValueError, match="4 to 6"):
        BuiltinProvider(pin_digits=8)


async def test_a_url_voucher_links_to_the_redeem_page_with_its_code() -> None:
    voucher = await issue(product("url", redeem_url="https://eu.northwind.example/redeem?lang=en"))

    link = urlsplit(voucher.redeem_url or "")
    assert (link.scheme, link.netloc, link.path) == ("https", "eu.northwind.example", "/redeem")
    assert parse_qs(link.query) == {"lang": ["en"], "code": [voucher.code]}
    assert voucher.pin is None


async def test_a_url_pin_voucher_has_a_link_and_a_pin_kept_out_of_the_link() -> None:
    voucher = await issue(product("url_pin", redeem_url="https://book.tidewaterspa.example/gift"))

    assert voucher.redeem_url == f"https://book.tidewaterspa.example/gift?code={voucher.code}"
    assert voucher.pin is not None and voucher.pin not in (voucher.redeem_url or "")


async def test_a_url_voucher_for_a_product_without_a_redeem_url_fails_for_good() -> None:
    with pytest.raises(ProviderError) as raised:
        await issue(product("url", redeem_url=""))

    assert raised.value.retryable is False


async def test_a_voucher_expires_a_number_of_days_after_issue() -> None:
    voucher = await issue(product(expiry=ExpiryPolicy(days_after_issue=30)))

    assert voucher.expires_on == date(2026, 3, 31)


async def test_a_voucher_expires_on_the_products_fixed_date() -> None:
    voucher = await issue(
        product(expiry=ExpiryPolicy(days_after_issue=None, fixed_date=date(2030, 12, 31)))
    )

    assert voucher.expires_on == date(2030, 12, 31)


async def test_a_product_whose_fixed_date_has_passed_is_not_issued() -> None:
    with pytest.raises(ProviderError) as raised:
        await issue(
            product(expiry=ExpiryPolicy(days_after_issue=None, fixed_date=date(2026, 2, 28)))
        )

    assert raised.value.retryable is False


async def test_issuing_again_for_the_same_order_gives_another_valid_voucher() -> None:
    first = await issue(product("code_pin"), order_id="ord-twice")
    second = await issue(product("code_pin"), order_id="ord-twice")

    assert is_valid_code(first.code) and is_valid_code(second.code)
    assert first.code != second.code
    assert first.provider_reference.startswith("builtin-")
    assert first.provider_reference != second.provider_reference


async def test_the_log_shows_at_most_the_last_four_characters_of_a_code(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="adapters.providers.builtin")

    voucher = await issue(product("code_pin"), order_id="ord-logged")

    record = next(r for r in caplog.records if getattr(r, "order_id", None) == "ord-logged")
    logged = " ".join(str(v) for v in vars(record).values())
    assert compact(voucher.code)[:10] not in compact(logged)
    assert voucher.code[-4:] in logged
    assert voucher.pin not in logged
