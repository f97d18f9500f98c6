"""The dashboard: server-rendered pages under /ui and their static files."""
