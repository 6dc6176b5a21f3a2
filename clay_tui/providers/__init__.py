"""providers core: no Textual imports."""
