"""Teams reach through Graph: users by email or Entra object id, and installing the bot for a user.

Proactive installation as Microsoft documents it: `POST /users/{id}/teamwork/installedApps` binding
the app from the organisation's catalog (409 when it is already there), then the installation's
`chat`, which is the user's 1:1 chat with the bot. Needs the application permissions User.Read.All
and TeamsAppInstallation.ReadWriteSelfForUser.All.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

from adapters.graph.client import GraphClient, GraphError
from core.reach import ReachError

log = logging.getLogger(__name__)
OBJECT_ID = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE
)


class GraphPeople:
    """core.reach.PeopleLookup for Teams: an Entra user by email (mail or UPN) or by object id."""

    platform = "teams"

    def __init__(self, graph: GraphClient, tenant: str) -> None:
        self._graph = graph
        self.tenant = tenant.lower()

    async def user_id_for(self, email: str) -> tuple[str, str] | None:
        try:
            if OBJECT_ID.match(email):
                status, user = await self._graph.request(
                    "GET", f"/users/{email}", params={"$select": "id,displayName"}
                )
                return (
                    (str(user["id"]).lower(), str(user.get("displayName") or ""))
                    if status == 200
                    else None
                )
            quoted = email.replace("'", "''")  # OData string literal
            status, page = await self._graph.request(
                "GET",
                "/users",
                params={
                    "$filter": f"mail eq '{quoted}' or userPrincipalName eq '{quoted}'",
                    "$select": "id,displayName",
                },
            )
        except GraphError as exc:
            if exc.status == 404:
                return None
            log.warning("graph user look-up failed", extra={"status": exc.status, "code": exc.code})
            return None
        users = (page or {}).get("value") or []
        if len(users) != 1:  # nobody, or an ambiguous email: never reward the wrong person
            return None
        return str(users[0]["id"]).lower(), str(users[0].get("displayName") or "")


class GraphInstaller:
    """core.reach.AppInstaller: installs the Teams app (by its catalog id) for a user, returns the
    chat id."""

    def __init__(self, graph: GraphClient, catalog_id: str) -> None:
        self._graph = graph
        self._catalog_id = catalog_id

    async def install_for(self, user_id: str) -> str:
        user = quote(user_id, safe="")
        app = f"{self._graph.base_url}/appCatalogs/teamsApps/{self._catalog_id}"
        binding = {"teamsApp@odata.bind": app}
        try:
            status, _ = await self._graph.request(
                "POST", f"/users/{user}/teamwork/installedApps", body=binding
            )
            if status == 409:
                log.info("teams app already installed for the user")
            _, found = await self._graph.request(
                "GET",
                f"/users/{user}/teamwork/installedApps",
                params={"$expand": "teamsApp", "$filter": f"teamsApp/id eq '{self._catalog_id}'"},
            )
            installations = (found or {}).get("value") or []
            if not installations:
                raise ReachError("the app is not installed for the user after installing it")
            installation = quote(str(installations[0]["id"]), safe="")
            _, chat = await self._graph.request(
                "GET", f"/users/{user}/teamwork/installedApps/{installation}/chat"
            )
        except GraphError as exc:
            raise ReachError(str(exc)) from exc
        chat_id = (chat or {}).get("id")
        if not chat_id:
            raise ReachError("Graph returned no chat for the installation")
        return str(chat_id)
