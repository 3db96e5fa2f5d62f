"""The web app: the JSON API under /api/v1 and the pages, built by `create_app`."""
