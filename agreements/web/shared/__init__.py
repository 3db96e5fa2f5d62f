"""What the staff and party pages share: drawing pages, CSRF, rate limits, the text guard."""
