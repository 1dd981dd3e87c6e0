"""The sender's country from a Teams activity's clientInfo entity (`country`, else the locale's
region)."""

from __future__ import annotations

from botbuilder.schema import Activity


def client_country(activity: Activity) -> str | None:
    """'DE' from {"type": "clientInfo", "country": "DE", "locale": "de-DE"}; None when Teams sent
    none."""
    for entity in activity.entities or []:
        if str(getattr(entity, "type", "")).lower() != "clientinfo":
            continue
        info = dict(getattr(entity, "additional_properties", None) or {})
        for candidate in (
            str(info.get("country", "")),
            str(info.get("locale", "")).replace("_", "-")[3:5],
        ):
            if len(candidate) == 2 and candidate.isalpha():
                return candidate.upper()
    return None
