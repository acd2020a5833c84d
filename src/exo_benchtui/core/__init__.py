"""The headless core: parsing, metrics, the store, sync. Never imports Textual."""
