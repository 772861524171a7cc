"""Experiments: one scenario run many times over a grid of its parameters.

``sweep`` plans the grid (validated before anything starts), ``pool`` runs
each point as an ordinary run (a child process under a ``Supervisor``,
locally or on a Dask cluster through ``cluster``), ``outcomes`` reads what
came out of each run's summary and aggregates it per value, ``storage`` keeps
sweeps in the server's SQLite store and ``retention`` keeps that store small.
"""
