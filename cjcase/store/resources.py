"""Finds the folders that ship with the program: migrations/ and exports/."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # cjcase/, two up from store/resources.py


def resource_dir(name: str) -> Path:
    """The shipped folder `name`: inside the installed package, else the checkout root."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"The program's {name}/ folder is missing: reinstall cjcase.")
