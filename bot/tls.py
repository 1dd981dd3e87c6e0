"""The trust of every outgoing HTTPS client, built once from the settings (SSL_CERT_FILE,
REQUESTS_CA_BUNDLE).

A TLS-intercepting corporate proxy re-signs every HTTPS connection with its own CA. Each library the
bot uses has its own idea of the CAs to trust (certifi, Stripe's bundled file, the system store), so
the configured file is handed explicitly to each: an `ssl.SSLContext` to the aiohttp-based clients
(Slack, Stripe, Xoxoday, Teams file downloads), the file's path to Azure AD through MSAL (requests)
and to Bot Framework's Connector (adapters/teams/transport.py, which replaces certifi with it).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from bot.settings import Settings


@dataclass(frozen=True)
class OutgoingTrust:
    """None and "" when nothing is configured: every library keeps its own defaults."""

    context: ssl.SSLContext | None
    ca_file: str

    @classmethod
    def of(cls, settings: Settings) -> OutgoingTrust:
        path = settings.ca_file
        if path is None:
            return cls(None, "")
        if path.is_dir():
            return cls(ssl.create_default_context(capath=str(path)), str(path))
        return cls(ssl.create_default_context(cafile=str(path)), str(path))
