"""The legal view: the link-integrity report and the court-ready dossier."""
