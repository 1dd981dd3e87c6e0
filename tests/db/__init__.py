"""Tests of the database adapter against real SQLite files and a real PostgreSQL."""
