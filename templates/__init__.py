"""Document engine: a catalogue of versioned Word templates, rendering, DOCX -> PDF, assembly."""
