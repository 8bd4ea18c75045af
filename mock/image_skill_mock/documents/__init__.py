"""The documents the mock serves, made from the bundled spec (``image_skill_api/spec.json``):
``GET /openapi.json`` (the spec itself), ``/llms.txt`` and ``/cli.md`` (``text``), and ``/docs``
(``page``: an offline HTML rendering, no script and no CDN). ``routes`` wires them."""
