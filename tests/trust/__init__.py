"""Outgoing TLS trust: every HTTPS client of the bot trusts the configured CA file."""
