"""exo-bench-tui: a terminal dashboard for EXO's benchmark results."""

__version__ = "0.1.0"
