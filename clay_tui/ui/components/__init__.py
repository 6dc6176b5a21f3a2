"""The table screen's parts, one module each (Harlequin-style components).

``TableScreen`` (ui/screens/table_screen.py) composes them: each part holds one concern's
actions and message handlers, its workers only post messages (ui/messages.py), and the
handlers change the widgets.

- ``view_jobs``: sort, filter, search, go-to and the refresh after a change, in workers
- ``prompts``: the prompt bar's questions as typed requests, each answering itself
- ``editing``: cell, row and column edits, undo, hidden columns
- ``menus``: the column and table menus, registries of entries (add one to extend them)
- ``auto_update``: the table's and each column's auto-update switch
- ``save_export``: save and export, in workers
- ``runs``: enrichment runs: the run dialog, progress, the summary when one ends
- ``notes``: the overlay saying why an enrichment cell has no value ("no data", "running…")
"""
