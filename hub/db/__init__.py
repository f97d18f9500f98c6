"""Persistence: models, engine, migrations, and small repositories (users, sessions, audit,
recordings, settings). Writes on the session lifecycle go through the background writer."""
