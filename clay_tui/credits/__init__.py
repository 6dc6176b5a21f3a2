"""credits core: no Textual imports."""
