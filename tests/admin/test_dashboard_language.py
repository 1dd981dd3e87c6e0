"""The dashboard speaks the admin's browser language (Accept-Language): its labels through the
gettext catalogs, as the checkout page does."""

from __future__ import annotations

import re
from html import unescape

from adapters.i18n import localizer
from adapters.web.admin.formats import amount
from adapters.web.admin.labels import said
from adapters.web.admin.render import when
from core.money import Money
from core.refusals import Reason
from tests.admin.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    VIEWER_EMAIL,
    VIEWER_PASSWORD,
    Console,
    History,
)

GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


async def test_the_overview_is_in_german_for_a_german_browser(
    console: Console, history: History
) -> None:
    browser = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)

    status, html = await browser.get("/admin?days=30", headers=GERMAN)

    assert status == 200
    assert '<html lang="de">' in html
    for label in ("Übersicht", "Bestellungen", "Prüfprotokoll", "Abmelden", "Bezahlter Wert"):
        assert label in html, label
    assert "Zugestellt" in html  # the status badges
    for english in (">Overview<", ">Sign out<", "Value paid", ">Delivered<"):
        assert english not in html, english


async def test_an_orders_timeline_is_in_german_and_english_without_a_preference(
    console: Console, history: History
) -> None:
    browser = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)
    page = f"/admin/orders/{history.delivered}"

    _, german = await browser.get(page, headers=GERMAN)
    _, english = await browser.get(page)

    assert "Zahlung bestätigt" in german and "Gutschein im Chat zugestellt" in german
    assert "Payment confirmed" not in german
    for heading in ("Zusammenfassung", "Verlauf", "Zustellversuche", "Wer daran gearbeitet hat"):
        assert heading in german, heading
    assert ">Delivery attempts<" not in german and ">Delivery attempts<" in english
    assert "Payment confirmed" in english and "Voucher delivered in chat" in english
    assert '<html lang="en">' in english


async def test_the_orders_page_is_in_german_with_the_channels_named_by_their_platforms(
    console: Console, history: History
) -> None:
    browser = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)

    status, html = await browser.get("/admin/orders", headers=GERMAN)

    assert status == 200
    for label in ("Käufer", "Filter anwenden", "Jeder Kanal", "Als CSV exportieren", "Anbieter"):
        assert label in html, label
    assert ">Slack<" in html  # the channel column says the descriptor's short label
    for english in (">Buyer<", ">Apply filters<", ">Every channel<", ">Export CSV<"):
        assert english not in html, english


async def test_the_audit_page_is_in_german_down_to_its_changes(
    console: Console, history: History
) -> None:
    browser = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)

    status, html = await browser.get("/admin/audit", headers=GERMAN)

    assert status == 200
    for label in ("Prüfprotokoll", "Integrität der Kette", "Kette prüfen", "Akteur", "Änderung"):
        assert label in html, label
    assert "Zahlung ausstehend → Bezahlt" in html  # a status change in the reader's words
    assert "Stripe-Webhook" in html  # who acted
    for english in (">Verify chain<", ">Actor<", "Awaiting payment → Paid", "Stripe webhook"):
        assert english not in html, english


async def test_the_gifts_page_is_in_german(console: Console, history: History) -> None:
    browser = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)

    status, html = await browser.get("/admin/gifts", headers=GERMAN)

    assert status == 200
    for label in ("Geschenke", "Gruppengeschenke", "Noch kein Gruppengeschenk."):
        assert label in html, label
    for english in (">Group gifts<", "No group gift yet.", "Message to the recipient"):
        assert english not in html, english


DE = localizer("de-DE")
ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def visible(html: str) -> str:
    """What a person reads: the page without its tags, attributes and entities."""
    return unescape(re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html)))


async def test_the_rewards_page_is_in_german_with_german_amounts(
    console: Console, history: History
) -> None:
    browser = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)

    status, html = await browser.get("/admin/rewards", headers=GERMAN)

    text = visible(html)
    assert status == 200
    for label in ("Prämien und Budgets", "Prämien-Admins", "Neues Programm", "Programm anlegen"):
        assert label in text, label
    credited = DE.money(Money(500_000, "USD"))
    assert f"verfügbar von {credited}" in text and "5.000" in credited
    assert "1 eingelöst, 2 gesendet" in text  # the rewards by status
    for english in ("Rewards and budgets", "available of", "Reward admins", "Create programme"):
        assert english not in text, english


async def test_a_programmes_ledger_and_rewards_are_in_german_with_german_amounts_and_dates(
    console: Console, history: History
) -> None:
    browser = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)

    status, html = await browser.get("/admin/rewards/kudos", headers=GERMAN)

    text = visible(html)
    assert status == 200
    for label in ("Buchungen", "Gutgeschrieben", "Budget aufstocken", "Bewegung", "Übrig"):
        assert label in text, label
    assert amount(Money(500_000, "USD"), DE) == "5.000,00 USD" and "5.000,00 USD" in text
    assert f"höchstens {DE.money(Money(10_000, 'USD'))} pro Prämie" in text
    assert "Prämien verfallen nach 90 Tagen" in text and "Wechselkursaufschlag 0\xa0%" in text
    assert DE.date(console.clock.now()) in text  # 07.12.2026: the ledger's days
    assert "Eingelöst" in text and "3 Prämien" in text  # a reward's badge, the pager
    assert not ISO_DAY.search(text)
    for english in ("Ledger", "Credit the budget", "rewards expire after", "at most"):
        assert english not in text, english


async def test_a_programmes_catalog_page_is_in_german(console: Console, history: History) -> None:
    browser = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)
    page = "/admin/rewards/kudos/catalog"
    await browser.post(f"{page}/add", {"kind": "country", "value": "DE"}, from_page=page)

    status, html = await browser.get(page, headers=GERMAN)

    text = visible(html)
    assert status == 200
    for label in ("was Empfänger wählen dürfen", "Auswahl hinzufügen", "Angeboten", "Länder"):
        assert label in text, label
    assert "Land DE Deutschland" in text  # the pick's kind and the country's name
    assert "Marke" in text and "Kategorie" in text  # the kinds to pick from
    for english in ("what recipients may pick", "Add a pick", "Offered", "Countries"):
        assert english not in text, english


async def test_an_order_paid_by_a_reward_is_in_german_down_to_its_notes(
    console: Console, history: History
) -> None:
    browser = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)
    _, listing = await browser.get("/admin/orders?programme=kudos")
    order_id = re.findall(r'href="/admin/orders/(ord_\w+)"', listing)[0]

    status, html = await browser.get(f"/admin/orders/{order_id}", headers=GERMAN)

    text = visible(html)
    assert status == 200
    assert "für Ada Lovelace über Slack" in text
    assert "(25,00 USD aus Prämie" in text and "minor units" not in text
    assert "— (keine Kartenzahlung)" in text and "Im Prüfprotokoll öffnen" in text
    assert f"{when(console.clock.now(), DE).split(',')[0]}" in text
    assert ": gesendet" in text and "+00:00 sent" not in text  # a message's history
    assert "Betrag: 25,00 USD" in text  # an audit change's amount
    assert not ISO_DAY.search(text)


async def test_the_audit_pages_hints_and_changes_are_in_german(
    console: Console, history: History
) -> None:
    browser = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)

    _, html = await browser.get("/admin/audit", headers=GERMAN)

    assert 'placeholder="z. B. stripe, system, admin:ops@…"' in html
    assert 'value="voucher.revealed" label="Gutscheincode angezeigt"' in html
    assert "Währung: USD" in html and "kleinste Einheiten: 500.000" in html
    assert "Rolle: Admin" in html
    assert DE.n_("{count} entry", "{count} entries", 50).endswith("Einträge")
    assert re.search(r"\d[\d.]* Einträge", visible(html))


async def test_a_broken_chain_is_named_in_german() -> None:
    assert said(Reason("chain_entry_altered"), DE) == "Der Inhalt des Eintrags wurde verändert"
    rewritten = Reason("chain_entry_rewritten", sealer="4")
    assert "Eintrag #4 hat einen anderen Inhalt versiegelt" in said(rewritten, DE)
    assert said(rewritten, localizer(None)).startswith("The entry was rewritten")


async def test_error_pages_and_refusals_are_in_german(console: Console, history: History) -> None:
    browser = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)
    viewer = await console.client(VIEWER_EMAIL, VIEWER_PASSWORD)

    _, no_order = await browser.get("/admin/orders/ord_nope", headers=GERMAN)
    _, no_programme = await browser.get("/admin/rewards/nope", headers=GERMAN)
    _, bad_export = await browser.get("/admin/orders.csv?status=nope", headers=GERMAN)
    _, viewer_refused = await viewer.post(
        "/admin/rewards/admins/grant", {"identity": "slack:U1"}, headers=GERMAN
    )
    _, bad_credit = await browser.post(
        "/admin/rewards/kudos/credit",
        {"amount": "zehn"},
        from_page="/admin/rewards",
        headers=GERMAN,
    )

    assert "Bestellung nicht gefunden" in no_order and "Es gibt keine Bestellung" in no_order
    assert "Programm nicht gefunden" in no_programme
    assert "Export nicht möglich" in bad_export and "ist keiner der Werte" in bad_export
    assert "Nicht erlaubt" in viewer_refused and "Ihre Rolle ist Betrachter" in viewer_refused
    assert "ist kein Betrag in USD" in unescape(bad_credit)
    for english in ("Order not found", "Cannot export", "Not allowed", "is not an amount"):
        assert english not in no_order + bad_export + viewer_refused + bad_credit, english


async def test_the_sign_in_refusal_is_in_german(console: Console) -> None:
    browser = await console.client()
    token = await browser.csrf("/admin/login")
    form = {"csrf_token": token, "email": ADMIN_EMAIL, "password": "wrong", "next": "/admin"}

    async with browser.session.post(
        browser.url + "/admin/login", data=form, headers=GERMAN, allow_redirects=False
    ) as response:
        html = await response.text()

    assert "E-Mail oder Passwort stimmen nicht" in html


async def test_the_overview_chart_speaks_german(console: Console, history: History) -> None:
    browser = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)

    _, html = await browser.get("/admin?days=30", headers=GERMAN)

    text = visible(html)
    assert "Bestellungen in 30 Tagen" in text and "Stärkster Tag:" in text
    assert "Nachrichten an Teams" in text  # the undeliverable messages
    assert " Dez.:" in text  # a bar's day, in German month words
    for english in ("orders over", "Busiest day", "messages to"):
        assert english not in text, english
