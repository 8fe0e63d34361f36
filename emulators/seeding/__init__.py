"""Deterministic seed data for the local NetSuite and SuiteProjects Pro services.

The public entry points live in :mod:`emulators.seed`; this package holds the parts:

* :mod:`.scales` — how many records of each kind a scale holds;
* :mod:`.timeline` — the fixed instants (base date, last sync) and date formats of both systems;
* :mod:`.world` — the plan: one services company, seen by both systems mid-integration,
  with every id computed up front so either store can be loaded on its own;
* :mod:`.activity` — time, expense and invoice activity that originates in SuiteProjects Pro;
* :mod:`.netsuite_docs` / :mod:`.spp_docs` — the plan rendered as each system's documents;
* :mod:`.loader` — chunked, id-checked, back-dated inserts into a ``RecordStore``.
"""
