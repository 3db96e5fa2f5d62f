"""The case domain: words, values, rules and the role matrix. Imports nothing of the project."""
