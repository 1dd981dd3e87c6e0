"""Benchmark 5: CPU per catalog search over 5,000 products, in bare-Bolt acks.

What a search costs the bot on top of answering Slack: the slash command's text read by the Slack
adapter, the core's search (`Checkout.browse`) and the answer rendered as Block Kit; and the product
picker's `external_select` options (up to 100 per query). Measured in this process with
`time.process_time()`, twice: over a few texts asked again and again (as when many people browse the
same catalog; the core may answer those from a cache) and over texts that are each asked once (every
one a new search).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from pathlib import Path

from adapters.slack import blocks, translate
from bench.context import Bench
from bench.offline import checkout_over
from bench.profiles import in_process
from bench.report import Section, Table, Verdict
from core.catalog import Catalog, CatalogQuery, Product, ValueRange
from core.checkout import Checkout

PRODUCTS = 5_000
TARGET_ACKS = 2.0
OPTIONS_LIMIT = 100
BRANDS = (
    "Amber Lane Cinema",
    "Birch & Bloom Florist",
    "Cobalt Coffee Roasters",
    "Driftwood Outdoor",
    "Ember Pizza",
    "Fjord Fish Market",
    "Gilded Spoon Bistro",
    "Harbour Lights Books",
)
COUNTRIES = (("US",), ("GB", "IE"), ("DE", "AT"), ("FR", "BE"), ("JP",))
CURRENCIES = ("USD", "GBP", "EUR", "EUR", "JPY")
# What people type after /vouchers: words, filters, a miss, a deep page, nothing at all.
SLASH_TEXTS = (
    "",
    "coffee",
    "pizza currency:EUR",
    "cinema max:50",
    "books country:GB",
    "card no. 01234",
    "outdoor min:100 currency:USD",
    "page:7",
    "gift card",
    "zzz nothing matches this",
)
PICKER_TEXTS = ("co", "cinema", "bloom", "fish ma", "04", "spoon bistro", "xyz")


def products(count: int = PRODUCTS) -> list[Product]:
    """`count` products over eight brands and five markets; every third one has an open value
    range."""
    made = []
    for n in range(count):
        brand, market = BRANDS[n % len(BRANDS)], n % len(COUNTRIES)
        open_value = n % 3 == 0
        made.append(
            Product(
                id=f"p{n:05d}",
                brand=brand,
                name=f"{brand} gift card no. {n:05d}",
                description=f"A {brand.lower()} voucher, valid in "
                f"{' and '.join(COUNTRIES[market])}.",
                currency=CURRENCIES[market],
                countries=COUNTRIES[market],
                denominations=() if open_value else (1000 + (n % 7) * 500, 5000, 10000),
                value_range=ValueRange(500, 50000, 100) if open_value else None,
            )
        )
    return made


def slash_search(checkout: Checkout) -> Callable[[str], object]:
    def search(text: str) -> object:
        return blocks.catalog_message(checkout.browse(translate.query_from_text(text)))

    return search


def core_search(checkout: Checkout) -> Callable[[str], object]:
    def search(text: str) -> object:
        return checkout.browse(translate.query_from_text(text))

    return search


def picker_options(checkout: Checkout) -> Callable[[str], object]:
    def options(text: str) -> object:
        return blocks.product_options(
            checkout.browse(CatalogQuery(text=text, per_page=OPTIONS_LIMIT))
        )

    return options


WORDS = ("coffee", "gift card", "cinema", "pizza", "books", "outdoor", "bloom", "fish")


def distinct_slash_texts(count: int, first: int = 0) -> list[str]:
    """`count` slash texts, no two the same query: words or a card number, with a price filter that
    changes."""
    return [_slash_text(n) for n in range(first, first + count)]


def _slash_text(n: int) -> str:
    word = WORDS[n % len(WORDS)]
    if n % 3 == 0:
        return f"{word} max:{10 + n}"
    if n % 3 == 1:
        return f"card no. {n % PRODUCTS:05d} max:{n}"
    return f"{word} currency:EUR min:{n}"


def distinct_picker_texts(count: int) -> list[str]:
    """`count` different things typed into the product picker: a word and part of a card number."""
    return [f"{WORDS[n % len(WORDS)]} {n}" for n in range(count)]


def repeated(texts: tuple[str, ...], count: int) -> list[str]:
    return list(itertools.islice(itertools.cycle(texts), count))


def cpu_per_call(
    work: Callable[[str], object], texts: list[str], warm_up: tuple[str, ...]
) -> float:
    """Seconds of CPU per call of `work` over `texts`, after one pass over `warm_up`."""
    for text in warm_up:
        work(text)
    started = time.process_time()
    for text in texts:
        work(text)
    return (time.process_time() - started) / len(texts)


def measure(calls: int, profile_dir: Path | None = None) -> list[tuple[str, float]]:
    """(what, CPU seconds per query) for each kind of query; runs in the load generator's small
    process. With `profile_dir`, each kind of query is profiled on its own there
    (bench/profiles.py)."""
    checkout = checkout_over(Catalog(products()))
    slash, core, picker = slash_search(checkout), core_search(checkout), picker_options(checkout)
    kinds = [
        (
            "slash command, texts asked again and again: search + Block Kit answer",
            lambda: cpu_per_call(slash, repeated(SLASH_TEXTS, calls), SLASH_TEXTS),
        ),
        (
            "slash command, every text new: core search (`Checkout.browse`) alone",
            lambda: cpu_per_call(core, distinct_slash_texts(calls), SLASH_TEXTS),
        ),
        (
            "slash command, every text new: search + Block Kit answer",
            lambda: cpu_per_call(slash, distinct_slash_texts(calls, first=calls), SLASH_TEXTS),
        ),
        (
            "product picker, texts asked again and again: external_select options (≤ 100)",
            lambda: cpu_per_call(picker, repeated(PICKER_TEXTS, calls), PICKER_TEXTS),
        ),
        (
            "product picker, every text new: external_select options (≤ 100)",
            lambda: cpu_per_call(picker, distinct_picker_texts(calls), PICKER_TEXTS),
        ),
    ]
    figures = []
    for what, run_it in kinds:
        with in_process(profile_dir, what):
            figures.append((what, run_it()))
    return figures


async def run(bench: Bench, ack_cpu: float) -> Section:
    # Not in the orchestrator: its large heap (plans, latencies) would bill this loop for garbage
    # collection.
    calls = bench.pace.catalog_queries
    measured = await asyncio.get_running_loop().run_in_executor(
        bench.pool, measure, calls, bench.profile_dir
    )
    headers = ("query", "queries", "CPU per query ms", "bare-Bolt ack ms", "in acks")
    rows = [
        (what, str(calls), f"{cpu * 1000:.3f}", f"{ack_cpu * 1000:.3f}", f"{cpu / ack_cpu:.2f}")
        for what, cpu in measured
    ]
    verdicts = [
        Verdict(
            f"{what.split(':')[0]}: ≤ {TARGET_ACKS:g} bare-Bolt acks",
            cpu / ack_cpu,
            TARGET_ACKS,
            higher_is_better=False,
            unit=" acks",
        )
        for what, cpu in measured
        if "alone" not in what
    ]
    texts = ", ".join(repr(t) for t in SLASH_TEXTS)
    picked = ", ".join(repr(t) for t in PICKER_TEXTS)
    notes = [
        f"{PRODUCTS:,} products. Repeated slash texts: {texts}; repeated picker texts: {picked}.",
        f"New slash texts: {', '.join(repr(t) for t in distinct_slash_texts(3))}, …; new picker "
        f"texts: {', '.join(repr(t) for t in distinct_picker_texts(3))}, … "
        "(each asked once in the run).",
    ]
    return Section("5. Catalog search over 5,000 products", [Table(headers, rows)], verdicts, notes)
