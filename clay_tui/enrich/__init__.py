"""enrich core: no Textual imports."""
