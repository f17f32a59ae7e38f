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
    """Run the notebook at ``path`` top to bottom in a fresh kernel, in a copy of the
    notebooks folder (the sample data beside it, as in the repository), so the workbooks
    it writes beside itself land in a temporary folder; fail on any error, leaked
    session, event-loop thread or ResourceWarning. Returns the executed notebook and
    the folder it ran in."""
    monkeypatch.setenv("SALESROCKS_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "notebooks"
    folder.mkdir()
    (tmp_path / "sample_data").symlink_to(NOTEBOOK.parent.parent / "sample_data")
    notebook = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), (
        "the notebook is kept in git without outputs")
    notebook.cells.insert(0, nbformat.v4.new_code_cell(WATCH))
    notebook.cells.append(nbformat.v4.new_code_cell(CHECK))
    NotebookClient(notebook, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    errors = [o for cell in notebook.cells for o in cell.get("outputs", [])
              if o.get("output_type") == "error" or "Unclosed" in str(o.get("text", ""))]
    assert errors == []
    return notebook, folder


@pytest.mark.slow
def test_the_quickstart_notebook_executes(tmp_path, monkeypatch):
    notebook, folder = execute(NOTEBOOK, tmp_path, monkeypatch)
    assert sorted(p.name for p in folder.glob("*.xlsx")) == ["leads.checked.xlsx", "leads.cleaned.xlsx"]
    for cell in notebook.cells:
        outputs = cell.get("outputs", [])
        reports = [o for o in outputs if "text/html" in o.get("data", {})
                   and "<caption>" in o["data"]["text/html"] and "rows" in o["data"]["text/html"]]
        assert len(reports) <= 1, cell.source  # one report per cell
        streams = [o for o in outputs if o.get("output_type") == "stream"]
        assert streams == [], (cell.source, streams)  # a bar is one output updated in place
    summary = next(c for c in notebook.cells if c.source.strip() == "cleaned.salesrocks.summary()")
    assert "background:#4c78a8" in summary.outputs[0]["data"]["text/html"]


@pytest.mark.slow
def test_the_polars_notebook_executes(tmp_path, monkeypatch):
    pytest.importorskip("polars")
    execute(NOTEBOOK.parent / "polars.ipynb", tmp_path, monkeypatch)
