"""clay-tui: a terminal enrichment table for lead lists."""

__version__ = "0.1.0"
