"""decompose: propose, render, scaffold and enforce service boundaries in Python monoliths."""

__version__ = "0.1.0"
