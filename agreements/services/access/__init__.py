"""Who may come in: staff accounts, logins, bearer and integration tokens."""
