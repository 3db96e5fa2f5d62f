"""The housing support agreement service: case domain, use cases, persistence, web, CLI."""
