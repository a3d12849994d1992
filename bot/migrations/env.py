"""Alembic environment for the results store. The URL is DATABASE_URL (see bot.store),
or the connection that bot.store.migrate() passes in."""
from logging.config import fileConfig

from alembic import context

from bot.store import database_url, engine_for

config = context.config


def run(connection):
    context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=database_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif config.attributes.get("connection") is not None:
    run(config.attributes["connection"])
else:
    if config.config_file_name:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    with engine_for(database_url()).begin() as connection:
        run(connection)
