"""Documents: requesting and rendering versions, the data templates need, the engine."""
