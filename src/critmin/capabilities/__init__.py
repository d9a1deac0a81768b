"""The Python API's functions, one per capability, each returning a :class:`critmin.results.Result`.

Each function takes keyword arguments only, resolves what a person types (any case; minerals
by id, name or symbol; countries by ISO3, ISO2, name or alias) the way the command line and
the HTTP API do, calls the engine and wraps its answer. ``import critmin as cm`` exposes them
(``cm.concentration``, ``cm.floor``...); docs/python-api.md lists them.
"""
