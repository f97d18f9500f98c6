"""Hubs sharing one database serve each other's sessions: any hub serves any session."""
