"""Helpers every app may use (caching, queueing). `kernel` imports no app: apps import it."""
