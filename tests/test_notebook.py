"""The quickstart notebook runs top to bottom, so the tour a new user takes cannot rot."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "quickstart.ipynb"


@pytest.mark.slow
def test_the_quickstart_notebook_executes(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESROCKS_CACHE_DIR", str(tmp_path / "cache"))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), (
        "the notebook is kept in git without outputs")
    NotebookClient(notebook, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    errors = [o for cell in notebook.cells for o in cell.get("outputs", [])
              if o.get("output_type") == "error" or "Unclosed" in str(o.get("text", ""))]
    assert errors == []
