"""The bundled provider sandbox: Hunter, Prospeo and OpenAI shapes on 127.0.0.1.

``server.SandboxServer(settings.sandbox).start()`` -> base URL; providers live under
``/hunter``, ``/prospeo``, ``/openai`` (plus ``/http/echo`` for the HTTP action).
Answers are deterministic (``data.py``); faults and latency come from the
``[sandbox]`` config section or per request headers (see ``routes.py``).
No Textual imports.
"""
