"""The table screen's parts, one module each (Harlequin-style components).

``TableScreen`` (ui/screens/table_screen.py) composes them. Each part is a ``Component``
(base.py: a widget with no place on screen) that owns the state of one concern and its
workers, handles the messages its workers post back to it, and tells the other parts what
happened by posting typed messages (ui/messages.py: ``NotesStale``, ``AutoStateChanged``,
``FocusColumn``, ``ColumnsFilled``, ``RunStarting``); they bubble to the screen, whose
handlers hand each to the part that owns that concern.

- ``view_jobs``: sort, filter, search, go-to and the refresh after a change, in workers
- ``prompts``: the prompt bar's questions as typed requests, each answering itself
- ``editing``: cell, row and column edits, undo, hidden columns
- ``menus``: the column and table menus, registries of entries (add one to extend them)
- ``auto_update``: the table's and each column's auto-update switch
- ``save_export``: save and export, in workers (it keeps the version last saved)
- ``runs``: enrichment runs: the run dialog, progress, the summary when one ends
- ``notes``: the overlay saying why an enrichment cell has no value ("no data", "running…")
"""
