"""The one way in: the functions both front ends (TUI and CLI) call.

Grouped by subsystem: ``services.tables``, ``services.credits``, ``services.enrich``.
Nothing here imports Textual.
"""
