"""Run by Alembic inside `bot.state.migrate`, which passes the connection (already holding
the migration lock) as config.attributes["connection"]; there is no offline mode."""

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the state migrations through bot.state.migrate(engine)")
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
