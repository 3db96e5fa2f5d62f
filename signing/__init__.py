"""How a party signs one exact document version: requests, link tokens, evidence, seal."""
