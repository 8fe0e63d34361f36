"""Declarative workflow mappings: YAML files in ``mappings/``, their schema, loader, and the pandas transform.

Import the pieces from their modules (``include.mapping.loader``, ``.model``, ``.transform``, ``.hashing``);
this package module stays empty so importing the loader at DAG-parse time pulls in nothing heavy.
"""
