"""Cases and what they hold: parties, agreements and reviews, the case file, the directory."""
