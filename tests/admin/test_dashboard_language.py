"""The dashboard speaks the admin's browser language (Accept-Language): its labels through the
gettext catalogs, as the checkout page does."""

from __future__ import annotations

from tests.admin.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Console, History

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
