"""``python -m exo_benchtui``."""

from exo_benchtui.cli import main

raise SystemExit(main())
