"""HTML pages in Dutch for parties outside the organisation: the signing pages."""
