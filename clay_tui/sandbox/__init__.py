"""sandbox core: no Textual imports."""
