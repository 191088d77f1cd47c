"""Helpers every app may use (caching first). `kernel` imports no app: apps import it."""
