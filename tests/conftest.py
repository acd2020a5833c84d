"""Fixtures shared by every test suite."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.scrollbar import ScrollBar

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA_DIR = REPO_ROOT.parent / "shared" / "data"


def shared_documents() -> list[Path]:
    """The real EXO documents beside the repo, or [] where the folder is absent."""
    if not SHARED_DATA_DIR.is_dir():
        return []
    return sorted(SHARED_DATA_DIR.glob("*.json"))


@pytest.fixture
def shared_data_dir() -> Path:
    """``../shared/data``: real EXO documents, present in CI, maybe not elsewhere."""
    if not SHARED_DATA_DIR.is_dir():
        pytest.skip(f"real EXO documents not found at {SHARED_DATA_DIR}")
    return SHARED_DATA_DIR


@pytest.fixture(autouse=True)
def restore_scrollbar_renderer():
    """Console mode sets Textual's process-wide scrollbar renderer; every test
    gets back the one it started with, so later ones (snapshots) are unaffected."""
    renderer = ScrollBar.renderer
    yield
    ScrollBar.renderer = renderer
