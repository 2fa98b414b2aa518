"""accord: nuclear arms-control agreements as code."""

__version__ = "0.1.0"
