"""The headless command line: the same services the TUI uses."""
