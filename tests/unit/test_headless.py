"""The core never imports Textual: it must run in scripts and on servers."""

import pkgutil
import subprocess
import sys

import exo_benchtui.core


def test_core_modules_do_not_import_textual():
    modules = [
        f"exo_benchtui.core.{info.name}"
        for info in pkgutil.iter_modules(exo_benchtui.core.__path__)
    ]
    assert "exo_benchtui.core.store" in modules
    # What the terminal can show is decided before Textual starts, and the
    # summary command keeps to it without loading Textual.
    modules.append("exo_benchtui.terminal")
    program = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('textual', 'textual_plotext', 'plotext')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout
