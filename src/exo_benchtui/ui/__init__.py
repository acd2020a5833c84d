"""The Textual user interface, a thin layer over :mod:`exo_benchtui.core`."""
