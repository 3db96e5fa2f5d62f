"""The pages for parties outside the organisation: read the exact version, then sign or decline."""
