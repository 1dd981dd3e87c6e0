"""A strict local Darwinbox Employee Master API (`POST /masterapi/employee`).

From Darwinbox's public API documentation: Basic authentication with the API user's username and
password, plus `api_key` and `datasetKey` in the JSON body; refusals come back as `"status": 0` with
a message. It refuses a wrong password (401), an unknown api_key or datasetKey, unknown body fields
and a `last_modified` not written DD-MM-YYYY HH:MM:SS.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

STAMP = "%d-%m-%Y %H:%M:%S"
FIELDS = {"api_key", "datasetKey", "last_modified", "employee_ids"}


@dataclass
class FakeDarwinbox:
    username: str
    password: str
    api_key: str
    dataset_key: str
    employees: list[dict[str, Any]] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _server: TestServer | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/masterapi/employee", self._employees)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self.url

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return str(self._server.make_url("")).rstrip("/")

    def add(
        self,
        employee_id: str,
        email: str,
        first: str,
        last: str,
        joined: str,
        modified: datetime,
        **more: str,
    ) -> None:
        self.employees.append(
            {
                "employee_id": employee_id,
                "company_email_id": email,
                "first_name": first,
                "last_name": last,
                "full_name": f"{first} {last}",
                "date_of_joining": joined,
                "employee_status": "Active",
                "latest_modified_timestamp": modified.strftime(STAMP),
                **more,
            }
        )

    async def _employees(self, request: web.Request) -> web.Response:
        expected = "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return web.json_response({"status": 0, "message": "Unauthorized"}, status=401)
        try:
            body = await request.json()
        except ValueError:
            return _refuse("Invalid JSON")
        self.bodies.append(body)
        if not isinstance(body, dict) or set(body) - FIELDS:
            self.errors.append(f"unexpected body fields {sorted(set(body) - FIELDS)}")
            return _refuse("Invalid request parameters")
        if body.get("api_key") != self.api_key or body.get("datasetKey") != self.dataset_key:
            return _refuse("Invalid api_key or datasetKey")
        since = None
        if "last_modified" in body:
            try:
                since = datetime.strptime(str(body["last_modified"]), STAMP)
            except ValueError:
                self.errors.append(
                    f"last_modified {body['last_modified']!r} is not DD-MM-YYYY HH:MM:SS"
                )
                return _refuse("Invalid last_modified")
        rows = [
            e
            for e in self.employees
            if since is None or datetime.strptime(e["latest_modified_timestamp"], STAMP) >= since
        ]
        return web.json_response({"status": 1, "message": "Success", "employee_data": rows})


def _refuse(message: str) -> web.Response:
    return web.json_response({"status": 0, "message": message})
