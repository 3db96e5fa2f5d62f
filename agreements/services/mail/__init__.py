"""E-mail: sending over SMTP and the queue written with what it reports."""
