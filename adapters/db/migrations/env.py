"""Alembic environment: runs on the connection adapters.db.migrate hands over, or on its own URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.db.tables import metadata

config = context.config


def _configure(connection: Connection) -> None:
    # Batch mode lets later migrations alter SQLite tables (it recreates them; PostgreSQL alters in
    # place).
    context.configure(
        connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True
    )


def run_on(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_on_url(url: str) -> None:
    engine = create_async_engine(url, hide_parameters=True)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run_on)
    finally:
        await engine.dispose()


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
elif (shared := config.attributes.get("connection")) is not None:
    run_on(shared)
else:
    asyncio.run(run_on_url(config.get_main_option("sqlalchemy.url") or ""))
