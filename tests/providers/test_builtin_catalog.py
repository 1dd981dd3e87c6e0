"""The catalog file: the sample loads cleanly, amounts stay exact, and every problem is reported
with its place."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from adapters.providers.catalog_file import (
    BRAND_IMAGES,
    SAMPLE_CATALOG,
    CatalogError,
    check_catalog,
    load_catalog,
)

BASE = "https://vouchers.quietharbour.example"

GOOD_ITEM = """
  - id: {id}
    brand: Quiet Harbour Books
    name: Quiet Harbour Books gift card
    description: Independent bookshops by the sea.
    image_url: "{{PUBLIC_BASE_URL}}/static/brands/quiet-harbour-books.png"
    currency: {currency}
    countries: [GB]
    {amounts}
    instructions: Show the code at the till.
    terms: No cash value.
    expiry: {{days_after_issue: 365}}
    voucher_format: code
"""


def write(tmp_path: Path, text: str, name: str = "catalog.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def one_product(tmp_path: Path, amounts: str, currency: str = "GBP", id: str = "qhb") -> Path:
    return write(
        tmp_path, "products:" + GOOD_ITEM.format(id=id, currency=currency, amounts=amounts)
    )


def test_the_sample_catalog_has_no_problems() -> None:
    assert check_catalog(SAMPLE_CATALOG) == []


def test_the_sample_catalog_spans_many_brands_currencies_formats_and_expiry_policies() -> None:
    products = load_catalog(SAMPLE_CATALOG, public_base_url=BASE)

    assert len({p.brand for p in products}) >= 14
    assert {"USD", "EUR", "GBP", "INR", "JPY"} <= {p.currency for p in products}
    assert {p.voucher_format for p in products} == {"code", "code_pin", "url", "url_pin"}
    assert sum(p.value_range is not None for p in products) >= 3
    assert any(p.expiry.fixed_date for p in products)
    assert len({p.expiry.days_after_issue for p in products if p.expiry.days_after_issue}) >= 4
    assert all(p.instructions and p.terms and p.description and p.countries for p in products)


def test_sample_amounts_are_integer_minor_units() -> None:
    products = {p.id: p for p in load_catalog(SAMPLE_CATALOG, public_base_url=BASE)}

    amounts = [a for p in products.values() for a in p.denominations]
    amounts += [v for p in products.values() if p.value_range for v in vars(p.value_range).values()]
    assert all(type(a) is int and a > 0 for a in amounts)
    assert products["lantern-tea-house"].denominations == (1250, 2500, 5000)
    assert products["hoshizora-stationery"].denominations == (1000, 3000, 5000, 10000)
    assert products["indigo-loom-textiles"].value_range.step == 10000  # type: ignore[union-attr]


def test_the_public_base_url_token_becomes_the_configured_url() -> None:
    products = {p.id: p for p in load_catalog(SAMPLE_CATALOG, public_base_url=BASE + "/")}

    books = products["quiet-harbour-books"]
    assert books.image_url == f"{BASE}/static/brands/quiet-harbour-books.png"
    assert books.redeem_url == "https://www.quietharbourbooks.example/gift-card"


def test_without_a_public_base_url_token_images_are_left_out_rather_than_broken() -> None:
    products = load_catalog(SAMPLE_CATALOG)

    assert {p.image_url for p in products} == {""}


def test_every_sample_image_is_a_committed_256_pixel_png() -> None:
    for product in load_catalog(SAMPLE_CATALOG, public_base_url=BASE):
        path = BRAND_IMAGES / product.image_url.removeprefix(f"{BASE}/static/brands/")
        header = path.read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n", path
        assert struct.unpack(">II", header[16:24]) == (256, 256), path


def test_a_broken_file_reports_every_problem_with_file_item_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, BROKEN)

    problems = check_catalog(path)

    places = {(p.index, p.item_id, p.field) for p in problems}
    assert places == {
        (None, "", "owner"),
        (0, "tea", "currency"),
        (0, "tea", "image_url"),
        (0, "tea", "colour"),
        (1, "tea", "id"),
        (1, "tea", "denominations"),
        (1, "tea", "expiry.fixed_date"),
        (2, "kites", "denominations"),
        (2, "kites", "voucher_format"),
        (2, "kites", "terms"),
        (3, "lamps", "value_range.min"),
        (4, "yen", "denominations"),
        (4, "yen", "value_range.step"),
        (4, "yen", "denominations[1]"),
        (5, "", "id"),
        (6, "", ""),
    }
    assert {p.file for p in problems} == {str(path)}
    messages = {(p.index, p.field): p.message for p in problems}
    assert "ISO 4217" in messages[0, "currency"]
    assert "did you mean" not in messages[0, "colour"]
    assert "products[0]" in messages[1, "id"]
    assert "2026-02-30" in messages[1, "expiry.fixed_date"]
    assert "missing" in messages[2, "terms"]
    assert "decimals" in messages[4, "denominations[1]"]


BROKEN = """
owner: someone
products:
  - id: tea
    brand: Lantern Tea House
    name: Lantern Tea e-voucher
    description: Tea.
    image_url: http://lantern.example/logo.png
    currency: XYZ
    countries: [US]
    denominations: [10, 25]
    instructions: Show it.
    terms: None.
    expiry: {days_after_issue: 30}
    voucher_format: code
    colour: red
  - id: tea
    brand: Lantern Tea House
    name: Lantern Tea e-voucher again
    description: Tea.
    currency: USD
    countries: [US]
    denominations: [10]
    value_range: {min: 5, max: 50}
    instructions: Show it.
    terms: None.
    expiry: {fixed_date: 2026-02-30}
    voucher_format: code
  - id: kites
    brand: Swift Kite Rides
    name: Kite ride credit
    description: Rides.
    currency: INR
    countries: [IN]
    instructions: Show it.
    expiry: {days_after_issue: 30}
    voucher_format: qr
  - id: lamps
    brand: Larchwood Candle Co.
    name: Candle card
    description: Candles.
    currency: CAD
    countries: [CA]
    value_range: {min: 50, max: 20}
    instructions: Show it.
    terms: None.
    expiry: {days_after_issue: 30}
    voucher_format: code
  - id: yen
    brand: Sakura Lane Bakery
    name: Treat ticket
    description: Bread.
    currency: JPY
    countries: [JP]
    denominations: [500, 10.5]
    value_range: {min: 500, max: 3000, step: 700}
    instructions: Show it.
    terms: None.
    expiry: {days_after_issue: 30}
    voucher_format: code
  - brand: No Id Bakery
    name: Anonymous
    description: Bread.
    currency: JPY
    countries: [JP]
    denominations: [500]
    instructions: Show it.
    terms: None.
    expiry: {days_after_issue: 30}
    voucher_format: code
  - just a string
"""


def test_loading_a_broken_file_raises_one_error_listing_every_problem(tmp_path: Path) -> None:
    path = write(tmp_path, BROKEN)

    with pytest.raises(CatalogError) as raised:
        load_catalog(path)

    assert raised.value.problems == check_catalog(path)
    assert len(str(raised.value).splitlines()) == len(raised.value.problems) + 1
    assert f"{path}: products[2] (kites): voucher_format: 'qr' is not one of" in str(raised.value)


def test_a_json_catalog_loads_like_a_yaml_one(tmp_path: Path) -> None:
    item = {
        "id": "copper-kettle",
        "brand": "Copper Kettle Roasters",
        "name": "Coffee card",
        "description": "Coffee.",
        "image_url": "https://cdn.copperkettle.example/logo.png",
        "currency": "eur",
        "countries": ["de", "AT"],
        "value_range": {"min": 5, "max": 100.5, "step": 0.5},
        "instructions": "Scan it.",
        "terms": "No cash.",
        "expiry": {"fixed_date": "2030-12-31"},
        "voucher_format": "url_pin",
        "redeem_url": "https://copperkettle.example/redeem",
        "provider": "builtin",
    }
    path = write(tmp_path, json.dumps({"products": [item]}), name="catalog.json")

    [product] = load_catalog(path)

    assert (product.currency, product.countries) == ("EUR", ("DE", "AT"))
    assert (product.value_range.minimum, product.value_range.maximum, product.value_range.step) == (
        500,
        10050,
        50,
    )  # type: ignore[union-attr]
    assert product.expiry.fixed_date.isoformat() == "2030-12-31"  # type: ignore[union-attr]
    assert product.image_url == "https://cdn.copperkettle.example/logo.png"


def test_a_json_catalog_reports_problems_too(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        json.dumps({"products": [{"id": "x", "denominations": [10]}]}),
        name="catalog.json",
    )

    fields = {p.field for p in check_catalog(path)}

    assert {"brand", "name", "currency", "expiry", "voucher_format"} <= fields


def test_yaml_decimals_are_read_exactly_not_as_floats(tmp_path: Path) -> None:
    path = one_product(tmp_path, "denominations: [1.15, 10.05, 0.3, 1_000]", currency="USD")

    [product] = load_catalog(path)

    assert product.denominations == (30, 115, 1005, 100000)


def test_the_country_code_no_stays_norway_in_yaml(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        one_product(tmp_path, "denominations: [10]").read_text().replace("[GB]", "[NO, SE]"),
    )

    [product] = load_catalog(path)

    assert product.countries == ("NO", "SE")


def test_an_open_range_without_a_step_moves_in_whole_units(tmp_path: Path) -> None:
    [product] = load_catalog(one_product(tmp_path, "value_range: {min: 5, max: 500}"))

    assert product.value_range is not None
    assert (product.value_range.minimum, product.value_range.maximum, product.value_range.step) == (
        500,
        50000,
        100,
    )


@pytest.mark.parametrize(
    ("amounts", "field", "words"),
    [
        ("denominations: [10, 10]", "denominations[1]", "twice"),
        ("denominations: [0]", "denominations[0]", "more than zero"),
        ("denominations: [-5]", "denominations[0]", "not an amount"),
        ("denominations: [.inf]", "denominations[0]", "not an amount"),
        ("denominations: []", "denominations", "non-empty"),
        ("value_range: {min: 5, max: 50, step: 0}", "value_range.step", "more than zero"),
        ("value_range: {min: 5, step: 5}", "value_range.max", "missing"),
        ("value_range: [5, 50]", "value_range", "mapping"),
    ],
)
def test_bad_amounts_are_named_by_field(
    tmp_path: Path, amounts: str, field: str, words: str
) -> None:
    problems = check_catalog(one_product(tmp_path, amounts))

    assert [(p.field, words in p.message) for p in problems] == [(field, True)]


def test_a_url_voucher_without_a_redeem_url_is_a_problem(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        one_product(tmp_path, "denominations: [10]")
        .read_text()
        .replace("voucher_format: code", "voucher_format: url"),
    )

    assert [(p.field, p.message) for p in check_catalog(path)] == [
        ("redeem_url", "'url' vouchers need a redeem_url")
    ]


def test_a_misspelt_field_gets_a_suggestion(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        one_product(tmp_path, "denominations: [10]").read_text().replace("terms:", "term:"),
    )

    messages = {p.field: p.message for p in check_catalog(path)}

    assert messages["term"] == "unknown field (did you mean 'terms'?)"
    assert messages["terms"] == "missing required field"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("products:\n  - id: a: b\n", "(line 2, column 10)"),
        ("products:\n  - id: a\n    id: b\n", "duplicate key 'id' (line 3"),
        ("products: {}\n", "top-level 'products:' list"),
        ("products: []\n", "empty"),
    ],
)
def test_a_file_that_is_not_a_catalog_is_one_clear_problem(
    tmp_path: Path, text: str, words: str
) -> None:
    [problem] = check_catalog(write(tmp_path, text))

    assert problem.index is None
    assert words in problem.message


def test_a_missing_file_is_reported_not_raised(tmp_path: Path) -> None:
    [problem] = check_catalog(tmp_path / "nowhere.yaml")

    assert problem.message.startswith("cannot read the file")


def test_a_file_with_another_extension_is_refused(tmp_path: Path) -> None:
    [problem] = check_catalog(write(tmp_path, "products: []", name="catalog.toml"))

    assert ".yaml, .yml or .json" in problem.message


def test_categories_are_optional_words_kept_in_lower_case_for_curated_catalogs(
    tmp_path: Path,
) -> None:
    good = one_product(tmp_path, "denominations: [10]\n    categories: [Books, books, Maps]")
    amounts = "denominations: [10]\n    categories: books"
    bad = write(
        tmp_path,
        "products:" + GOOD_ITEM.format(id="qhb", currency="GBP", amounts=amounts),
        "bad.yaml",
    )

    (product,) = load_catalog(good)

    assert product.categories == ("books", "maps")
    assert any("categories" in str(problem) for problem in check_catalog(bad))
