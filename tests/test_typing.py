"""The endpoint methods are real, typed source generated from the table: type checkers
see them, and the checked-in file never drifts from the table."""

from __future__ import annotations

import inspect
import os
import site
import subprocess
import sys
from pathlib import Path

import pytest

import sr_frames
from sr_frames import AsyncClient, Client
from sr_frames.client import generate_methods
from sr_frames.client.generate_methods import COMMAND, GENERATED, render_endpoint_methods
from sr_frames.client.methods import method_doc, method_signature
from sr_frames.endpoints import ENDPOINTS, TOKEN

METHODS = [ep for ep in ENDPOINTS if ep is not TOKEN]


# -- the checked-in source follows the table -------------------------------------------

def test_the_checked_in_methods_are_those_the_table_generates():
    assert GENERATED.read_text(encoding="utf-8") == render_endpoint_methods(), (
        f"{GENERATED.name} differs from the endpoint table; run: {COMMAND}")


def test_the_command_rewrites_a_stale_file_and_check_reports_it(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "_endpoint_methods.py"
    stale.write_text(render_endpoint_methods().replace("Deliverability", "Deliverable"), encoding="utf-8")
    monkeypatch.setattr(generate_methods, "GENERATED", stale)

    assert generate_methods.main(["--check"]) == 1
    assert COMMAND in capsys.readouterr().err
    assert generate_methods.main([]) == 0
    assert stale.read_text(encoding="utf-8") == render_endpoint_methods()
    assert generate_methods.main(["--check"]) == 0


def test_the_documented_command_finds_the_checked_in_file_current():
    done = subprocess.run([sys.executable, "-m", "sr_frames.client.generate_methods", "--check"],
                          capture_output=True, text=True, env=_env(), timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


# -- what the generated methods are at run time ----------------------------------------

@pytest.mark.parametrize("ep", METHODS, ids=lambda ep: ep.method)
@pytest.mark.parametrize("cls", [AsyncClient, Client], ids=lambda cls: cls.__name__)
def test_each_method_has_the_signature_name_and_doc_from_the_table(cls, ep):
    method = getattr(cls, ep.method)
    self_param = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    expected = method_signature(ep)
    assert inspect.signature(method) == expected.replace(
        parameters=[self_param, *expected.parameters.values()])
    assert (method.__name__, method.__qualname__) == (ep.method, f"{cls.__name__}.{ep.method}")
    assert inspect.getdoc(method) == method_doc(ep)
    assert inspect.iscoroutinefunction(method) is (cls is AsyncClient)


def test_array_and_record_fields_are_typed_lists():
    assert str(inspect.signature(Client.verify_phones)) == "(self, phones: list[str]) -> list[typing.Any]"
    assert str(inspect.signature(Client.add_to_list)) == (
        "(self, list_id: str, data: list[dict[str, typing.Any]]) -> Any")
    assert str(inspect.signature(Client.create_list)) == (
        "(self, list_name: str, permission: str = 'private') -> Any")


def test_a_wrong_argument_is_refused_naming_the_method_before_sending(sandbox):
    with Client() as sr:
        with pytest.raises(TypeError, match=r"Client\.verify_email\(\) got an unexpected keyword "
                                            r"argument 'emial'"):
            sr.verify_email(emial="a@b.com")
        with pytest.raises(TypeError, match=r"Client\.find_email\(\) missing 1 required positional argument: "
                                            r"'company_domain'"):
            sr.find_email("Jane", "Doe")
        with pytest.raises(TypeError, match=r"Client\.create_email_warmer\(\) takes 1 positional argument"):
            sr.create_email_warmer("jane@example.com", 3, 10, "2021-08-22 22:00:00", "UTC", True, False)
    assert sandbox.stats()["total"] == 0


# -- what mypy sees in a user's script ---------------------------------------------------

SYNC = 'import sr_frames\n\nsr_frames.Client().{call}\n'
ASYNC = ('import sr_frames\n\n\nasync def main() -> None:\n'
         '    async with sr_frames.AsyncClient() as client:\n        await client.{call}\n')


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("mypy-cache")


def mypy(script: str, tmp_path: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    """``mypy --strict`` on ``script`` as a user would run it, against this ``sr_frames``
    (its errors silenced, as for any installed package)."""
    path = tmp_path / "script.py"
    path.write_text(script, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--no-color-output",
         "--cache-dir", str(cache), str(path)],
        capture_output=True, text=True, cwd=tmp_path, env=_env(mypy_path=True), timeout=280)


@pytest.mark.parametrize("template", [SYNC, ASYNC], ids=["Client", "AsyncClient"])
def test_mypy_accepts_an_endpoint_method_call(template, tmp_path, mypy_cache):
    done = mypy(template.format(call='verify_email(email="a@b.com")'), tmp_path, mypy_cache)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(("template", "owner"), [(SYNC, "Client"), (ASYNC, "AsyncClient")],
                         ids=["Client", "AsyncClient"])
def test_mypy_reports_a_misspelt_endpoint_method(template, owner, tmp_path, mypy_cache):
    done = mypy(template.format(call='verify_emial(email="a@b.com")'), tmp_path, mypy_cache)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f'"{owner}" has no attribute "verify_emial"' in done.stdout


def test_mypy_reports_a_wrong_argument_type_and_knows_the_answer_type(tmp_path, mypy_cache):
    script = ('import sr_frames\n\nsr = sr_frames.Client()\nsr.verify_phones(phones="38922037347")\n'
              'status: int = sr.verify_email("a@b.com")\n')
    done = mypy(script, tmp_path, mypy_cache)
    assert done.returncode == 1, done.stdout + done.stderr
    assert 'Argument "phones" to "verify_phones"' in done.stdout
    assert 'incompatible type "str"; expected "list[str]"' in done.stdout
    assert 'expression has type "dict[str, Any]", variable has type "int"' in done.stdout


def _env(mypy_path: bool = False) -> dict[str, str]:
    """The environment for a subprocess that must import this ``sr_frames``; with
    ``mypy_path``, mypy is pointed at it too (mypy cannot follow an editable install's
    import hook, and must not be pointed at site-packages)."""
    root = str(Path(sr_frames.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    if mypy_path and root not in {str(Path(p).resolve()) for p in site.getsitepackages()}:
        env["MYPYPATH"] = root
    return env
