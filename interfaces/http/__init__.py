"""Litestar HTTP layer: controllers, DTOs, errors, content negotiation, rate limits."""
