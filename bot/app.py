"""The one aiohttp server: health, metrics, static brand images and every adapter's routes."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from adapters.db.errors import DatabaseUnavailable
from bot.limits import PersonLimits, rate_limit

if TYPE_CHECKING:
    from bot.bootstrap import Services

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024
DATABASE_RETRY_AFTER = (
    "5"  # seconds; Stripe and browsers retry a 503, Slack and Teams show an apology
)
SERVICES = web.AppKey("services", object)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def create_app(services: Services) -> web.Application:
    middlewares = [_observe(services), _json_errors, _static_file_names]
    settings = services.settings
    if settings.rate_limit_per_minute > 0:
        per_second = settings.rate_limit_per_minute / 60
        limits = PersonLimits(services.buckets, per_second, settings.rate_limit_burst)
        # The buckets are shared by every replica; each platform's descriptor says who sent a
        # request.
        middlewares.append(rate_limit(limits, services.platforms))
    app = web.Application(client_max_size=MAX_BODY, middlewares=middlewares)
    app[SERVICES] = services
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", _metrics)
    app.router.add_get("/", _index)
    if services.brand_images.is_dir():
        app.router.add_static("/static/brands", services.brand_images)
    for mount in services.life.mounts:
        mount(app)
    return app


async def _index(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES]  # type: ignore[assignment]
    return web.json_response(
        {"name": "voucherbot", "test_mode": services.test_mode, "health": "/healthz"}
    )


async def _healthz(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES]  # type: ignore[assignment]
    database = await services.database.ping()
    body = {
        "status": "ok" if database else "degraded",
        "database": "ok" if database else "unreachable",
        "test_mode": services.test_mode,
    }
    return web.json_response(body, status=200 if database else 503)


async def _metrics(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES]  # type: ignore[assignment]
    db = services.database
    body = await services.metrics.render(db.counts_by_status, db.vouchers_issued, db.outbox_depth)
    return web.Response(body=body, headers={"Content-Type": services.metrics.content_type})


def _observe(services: Services) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            route = request.match_info.route.resource
            name = route.canonical if route is not None else "unmatched"
            services.metrics.requests.labels(
                route=name, method=request.method, status=str(status)
            ).observe(time.perf_counter() - started)

    return observe


@web.middleware
async def _static_file_names(request: web.Request, handler: Handler) -> web.StreamResponse:
    """aiohttp's static files let the OSError of a name the filesystem refuses (too long) escape: a
    404."""
    try:
        return await handler(request)
    except OSError:
        if isinstance(request.match_info.route.resource, web.StaticResource):
            raise web.HTTPNotFound() from None
        raise


@web.middleware
async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """No stack trace or HTML error page leaks out; the log keeps the traceback."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except DatabaseUnavailable as exc:
        # An outage, not a bug: no traceback; the caller is told to come back (Stripe retries
        # webhooks).
        log.warning("database unavailable", extra={"path": request.path, "error": str(exc)})
        body = {"error": "the database is unavailable; try again shortly"}
        return web.json_response(body, status=503, headers={"Retry-After": DATABASE_RETRY_AFTER})
    except Exception:
        log.exception("unhandled error", extra={"path": request.path, "method": request.method})
        return web.json_response({"error": "internal error"}, status=500)
