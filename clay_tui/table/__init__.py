"""table core: no Textual imports."""
