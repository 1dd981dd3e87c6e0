"""The admin dashboard: server-rendered pages, CSV exports and a JSON API over the core's Oversight
port."""

from adapters.web.admin.passwords import hash_password, password_problems
from adapters.web.admin.routes import admin_routes
from adapters.web.admin.throttle import AddressLimit

__all__ = ["AddressLimit", "admin_routes", "hash_password", "password_problems"]
