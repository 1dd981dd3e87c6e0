"""Which Bot Connector service URLs the bot may call: loopback in Emulator mode, else Microsoft's
hosts.

An activity names the `serviceUrl` its answers go to, and the bot sends its app token there. Without
credentials anyone can post an activity, so only this machine is trusted; with credentials the
token's `serviceurl` claim must match, and the host must still be one of Microsoft's (a leaked token
or a stored address cannot send the bot, and its bearer token, elsewhere).
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from core.errors import DeliveryError

log = logging.getLogger(__name__)

# Where Microsoft documents Teams' Bot Connector (public cloud, GCC, GCC High, DoD) and the other
# Bot Framework channels (*.botframework.com, Azure Government's *.botframework.azure.us).
DOCUMENTED_HOSTS = (
    "smba.trafficmanager.net",
    "smba.infra.gcc.teams.microsoft.com",
    "smba.infra.gov.teams.microsoft.us",
    "smba.infra.dod.teams.microsoft.us",
    ".botframework.com",
    ".botframework.azure.us",
)


class ServiceUrlRefused(DeliveryError):
    """A Bot Connector service URL is not one the bot may call; nothing is sent there."""

    def __init__(self, service_url: str) -> None:
        super().__init__(f"service URL {service_url[:200]!r} is not an allowed Bot Connector host")
        self.service_url = service_url


@dataclass(frozen=True)
class ServiceUrlPolicy:
    """Loopback only (`hosts` empty: Emulator mode), or https on the listed hosts (".x.com":
    subdomains)."""

    hosts: tuple[str, ...] = ()

    @classmethod
    def emulator(cls) -> ServiceUrlPolicy:
        return cls(())

    def allows(self, service_url: object) -> bool:
        if not isinstance(service_url, str):
            return False
        try:
            parts = urlsplit(service_url)
            host = (parts.hostname or "").lower()
            parts.port  # noqa: B018 (a port that is not a number raises here, as the SDK would later)
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or not host:
            return False
        if not self.hosts:
            return is_loopback(host)
        if parts.scheme != "https" and not is_loopback(host):
            return False  # the bot's bearer token never travels in the clear
        return any(
            host == entry or (entry.startswith(".") and host.endswith(entry))
            for entry in self.hosts
        )

    def check(self, service_url: str) -> None:
        if not self.allows(service_url):
            log.warning(
                "refused a Bot Connector service URL", extra={"service_url": service_url[:200]}
            )
            raise ServiceUrlRefused(service_url)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
