"""Where the package's data lives: the shipped policies and the JSON Schemas.

In an installed wheel they are package data under ``asanimza_policy/_data``;
in a checkout they are the repository's ``policies/`` and ``schema/`` folders.
The package is a folder on disk (an installed wheel or a checkout), so its
path is its ``__file__``'s folder; ``importlib.resources`` would cost a cold
command more than the whole lookup.
"""
from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(os.path.dirname(os.path.abspath(__file__)))
_REPOSITORY = _PACKAGE.parent


def shipped_policies() -> Path:
    """The folder of the policies that ship with the package."""
    packaged = _PACKAGE / "_data" / "policies"
    return packaged if packaged.is_dir() else _REPOSITORY / "policies"


def schema_file(name: str = "policy.schema.json") -> Path:
    """A JSON Schema that ships with the package (policy or decision)."""
    packaged = _PACKAGE / "_data" / "schema" / name
    return packaged if packaged.is_file() else _REPOSITORY / "schema" / name
