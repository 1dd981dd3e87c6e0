"""Adapters: one package per outside system, each implementing core ports."""
