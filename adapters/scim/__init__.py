"""SCIM 2.0 service provider (RFC 7643/7644): identity providers push employees to
/scim/v2/Users."""

from adapters.scim.routes import ScimApi

__all__ = ["ScimApi"]
