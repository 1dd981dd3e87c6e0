"""The dashboard's approvals page: every held send, its state, who decided and why."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from adapters.web.admin.render import Views
from core.approval_requests import ApprovalStatus
from core.approvals import Approvals
from core.oversight.accounts import AdminSession


@dataclass(frozen=True)
class ApprovalPages:
    approvals: Approvals
    views: Views

    async def page(self, request: web.Request, session: AdminSession) -> web.StreamResponse:
        wanted = request.query.get("status", "")
        statuses = [str(s) for s in ApprovalStatus]
        status = (
            wanted if wanted in statuses else ""
        )  # anything else: all of them, never an error page
        return self.views.page(
            request,
            "approvals.html",
            approvals=await self.approvals.list(status or None),
            statuses=statuses,
            chosen=status,
        )
