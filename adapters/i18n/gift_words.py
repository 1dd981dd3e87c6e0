"""Gift refusals from the core, said in the person's language; each channel names its own
command."""

from __future__ import annotations

from adapters.i18n.localizer import Localizer
from core.gifts import GiftNotCancellable, GiftNotFound, InvalidGift, NotGiftBuyer


def gift_refusal(error: Exception, loc: Localizer, catalog_command: str = "") -> str | None:
    """The sentence for a gift refusal, from the data it carries; None when `error` is not one.

    `catalog_command` is how the person opens the catalog where they are (Slack's `/vouchers`,
    Teams' “vouchers”): a gift to oneself points there."""
    match error:
        case InvalidGift():
            return _invalid(error, loc, catalog_command)
        case GiftNotFound():
            return loc._("There is no gift {gift}.", gift=error.gift_id)
        case NotGiftBuyer():
            return loc._("Only the person who sent this gift can do that.")
        case GiftNotCancellable() if error.status == "cancelled":
            return loc._("This gift was cancelled already.")
        case GiftNotCancellable():
            return loc._("This gift was delivered already and can no longer be cancelled.")
    return None


def _invalid(error: InvalidGift, loc: Localizer, catalog_command: str) -> str:
    typed = error.typed
    match error.rule:
        case "to_self" if catalog_command:
            return loc._(
                "A gift is for someone else: use {command} to buy a voucher for yourself.",
                command=catalog_command,
            )
        case "to_self":
            return loc._("A gift is for someone else.")
        case "not_a_date":
            return loc._(
                "“{typed}” is not a date. Write it as 2026-12-24 or 2026-12-24 09:00.", typed=typed
            )
        case "not_a_real_date":
            return loc._("“{typed}” is not a real date and time.", typed=typed)
        case "unknown_zone":
            return loc._(
                "“{zone}” is not a time zone I know, so I can't schedule this gift: send it now "
                "instead.",
                zone=typed,
            )
        case "past":
            return loc._("That time has passed: choose a time in the future, or send the gift now.")
        case "too_far_ahead":
            return loc._("A gift can be scheduled up to a year ahead.")
        case "unknown_email":
            return loc._(
                "I couldn't find a colleague with the email {email} in Slack or Teams.", email=typed
            )
    return str(error)
