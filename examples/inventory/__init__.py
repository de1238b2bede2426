"""An example service on a real database: users, items and orders behind OAuth2 password login.

SQLAlchemy 2 (async) on SQLite through ``aiosqlite`` by default, or on PostgreSQL through ``asyncpg``
when ``DATABASE_URL`` says so; see ``main.py`` for how to serve it and ``db.py`` for the schema.
"""
