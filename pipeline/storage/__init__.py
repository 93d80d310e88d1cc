"""Where the pipeline keeps things: SQLite state, edit-safe publishing, fingerprints, atomic file writes."""
