"""Alembic migrations of the state database (bot/state.py), shipped inside the package.

`bot.state.State` runs them on every open, so each web worker, the Socket Mode worker and
every CLI command bring the database to the newest revision before using it; there is no
alembic.ini and no separate step. A new revision, from a checkout:

    python -c "from alembic import command; from bot.state import alembic_config; \\
               command.revision(alembic_config(), 'what it changes')"

then write its upgrade() by hand. SQLite cannot ALTER most things in place: change tables
inside `with op.batch_alter_table(name) as batch:`, which copies the table on SQLite and
alters it in place on PostgreSQL.
"""
