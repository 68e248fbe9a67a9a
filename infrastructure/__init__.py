"""Adapters to the outside world: databases, Redis, hashing, tokens, settings."""
