"""Voucher providers: the built-in one (catalog file and code generation) and outside services."""
