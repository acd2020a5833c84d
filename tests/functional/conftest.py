"""Fixtures for the app's functional tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.functional.app_support import history, write_documents


@pytest.fixture
def results_dir(tmp_path: Path) -> Path:
    """A directory of twelve runs of the test history."""
    directory = tmp_path / "results"
    directory.mkdir()
    write_documents(directory, history(12))
    return directory
