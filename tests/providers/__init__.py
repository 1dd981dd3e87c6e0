"""Tests of the voucher providers."""
