"""Stripe gateway, embedded localstripe, checkout page and webhook tests."""
