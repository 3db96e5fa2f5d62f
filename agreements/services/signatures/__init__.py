"""Signatures: requests per party, signing and declining, the signing state, the seal."""
