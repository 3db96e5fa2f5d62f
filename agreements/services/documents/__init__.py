"""Documents: request a version (request), render it in the worker (render), read it and its
files (read), add templates (template_versions), the data templates need (data), the engine."""
