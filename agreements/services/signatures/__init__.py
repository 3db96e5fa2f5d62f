"""Signatures: requests per party (requests), links, signing and declining (sign), the signing
state (state), the seal (seal), verifying sealed PDFs (verification), the mail they lead to
(mails)."""
