"""Use cases: each takes ids and collaborators, owns one transaction, and returns results."""
