"""Routes of the JSON API and the pages, one module per part of the domain."""
