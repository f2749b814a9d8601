"""Generators of the reference pages in docs/: configuration, policies and CLI, each from the code itself.

Run `make docs` to rewrite them; `tests/test_docs_reference.py` fails when a committed
page differs from what these generators produce. Not part of the installed package.
"""
