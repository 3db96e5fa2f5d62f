"""The audit log: the HMAC chain, staged reads and checking the chain."""
