"""Reminders: the rules that find what is due, the sweep, what they say, calendar feeds."""
