"""The notebooks run top to bottom, so the tours a new user takes cannot rot."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "quickstart.ipynb"

# Cells the test adds around the tour: record every ResourceWarning in the kernel, then
# check that none was raised and no HTTP session or event-loop thread is left open.
WATCH = """
import warnings
_watch = warnings.catch_warnings(record=True)
_seen = _watch.__enter__()
warnings.simplefilter("always", ResourceWarning)
"""
CHECK = """
import gc, threading
import aiohttp
gc.collect()
open_sessions = [o for o in gc.get_objects() if isinstance(o, aiohttp.ClientSession) and not o.closed]
assert open_sessions == [], open_sessions
leaks = [str(w.message) for w in _seen if issubclass(w.category, ResourceWarning)]
assert leaks == [], leaks
loops = [t.name for t in threading.enumerate() if t.name.startswith("sr-frames")]
assert loops == [], loops
"""


def execute(path, tmp_path, monkeypatch):
    """Run the notebook at ``path`` top to bottom in a fresh kernel; fail on any error,
    leaked session, event-loop thread or ResourceWarning."""
    monkeypatch.setenv("SALESROCKS_CACHE_DIR", str(tmp_path / "cache"))
    notebook = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), (
        "the notebook is kept in git without outputs")
    notebook.cells.insert(0, nbformat.v4.new_code_cell(WATCH))
    notebook.cells.append(nbformat.v4.new_code_cell(CHECK))
    NotebookClient(notebook, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for cell in notebook.cells for o in cell.get("outputs", [])
              if o.get("output_type") == "error" or "Unclosed" in str(o.get("text", ""))]
    assert errors == []


@pytest.mark.slow
def test_the_quickstart_notebook_executes(tmp_path, monkeypatch):
    execute(NOTEBOOK, tmp_path, monkeypatch)


@pytest.mark.slow
def test_the_polars_notebook_executes(tmp_path, monkeypatch):
    pytest.importorskip("polars")
    execute(NOTEBOOK.parent / "polars.ipynb", tmp_path, monkeypatch)
