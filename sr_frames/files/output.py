"""Where a result goes: checked before anything is sent, written atomically.

:func:`check_output` says whether ``output`` can be written for ``source`` (the folder
exists and is writable, it is not the source, its suffix is right) without creating
anything, so the command line calls it before the first request. :func:`atomic_output`
writes to a temporary file beside the output and renames it into place; the temporary
file is removed on an error, Ctrl-C and SIGTERM, and temporary files a killed run left
beside the output (``.<name>.<pid>.sr-frames.tmp`` of a process that is gone) are
removed by the next run that writes there.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

__all__ = ["TEMP_SUFFIX", "atomic_output", "check_output", "default_output_path", "output_suffix",
           "remove_stale_temporaries"]

TEMP_SUFFIX = ".sr-frames.tmp"
_OURS = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+" + re.escape(TEMP_SUFFIX) + "$")
CONVERTED = (".xls", ".xlsb", ".ods")


def output_suffix(source: Path) -> str:
    """The suffix a result of ``source`` has: its own, ``.xlsx`` for the formats we
    read but do not write (``.xls``, ``.xlsb``, ``.ods``)."""
    suffix = source.suffix.lower()
    return ".xlsx" if suffix in CONVERTED else suffix


def check_output(output: str | os.PathLike[str], source: str | os.PathLike[str] | None = None, *,
                 in_place: bool = False) -> Path:
    """Raise ``ValueError``/``FileNotFoundError``/``PermissionError`` if ``output`` cannot
    take a result of ``source`` (without a source: a frame saved on its own, ``.xlsx`` or
    ``.csv``); returns it as a ``Path``. Creates nothing, sends nothing."""
    output = Path(output)
    folder = output.parent
    if not folder.exists():
        raise FileNotFoundError(f"output folder {folder} does not exist; create it first or choose "
                                "another -o/--output")
    if not folder.is_dir():
        raise NotADirectoryError(f"output folder {folder} is not a folder; choose another -o/--output")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(f"output folder {folder} is not writable; choose another -o/--output")
    if output.is_dir():
        raise IsADirectoryError(f"output {output} is a folder; name a file, e.g. {output / 'out.xlsx'}")
    if source is None:  # a frame of its own (save_table): .xlsx or .csv
        if output.suffix.lower() not in (".xlsx", ".csv"):
            raise ValueError(f"cannot write {output.name}: name a .xlsx or .csv output")
        return output
    source = Path(source)
    wanted = output_suffix(source)
    if output.suffix.lower() != wanted:  # .xlsm keeps its macros only as .xlsm
        raise ValueError(f"output {output.name} must be the same kind of file as {source.name} ({wanted}); "
                         f"name it like {default_output_path(source.with_suffix(wanted)).name}")
    same = output.exists() and source.exists() and os.path.samefile(source, output)
    if in_place and not same:
        raise ValueError(f"in_place=True writes over the source: output must be {source}")
    if same and not in_place:
        raise ValueError(f"output {output} is the source file; choose another output, "
                         "or pass in_place=True (--in-place) to overwrite the source")
    return output


def remove_stale_temporaries(output: Path) -> list[Path]:
    """Remove our temporary files for ``output`` whose writing process is gone."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in output.parent.iterdir():
            found = _OURS.match(entry.name)
            if found and found["name"] == output.name and not _alive(int(found["pid"])):
                with contextlib.suppress(OSError):
                    entry.unlink()
                    removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class _Terminated(SystemExit):
    """SIGTERM during a write: unwinds like an exit, so the temporary file is removed."""


@contextlib.contextmanager
def _terminate_cleanly() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    def terminated(signum: int, _frame: object) -> None:
        raise _Terminated(128 + signum)

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def atomic_output(output: Path, *, like: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``output``; on success it replaces ``output`` at once.

    The caller writes the whole file to the yielded path. Only when that finishes is the
    file flushed to disk and renamed over ``output`` (``os.replace``), so a crash or an
    error leaves either the old output or none, never half a file. The new file takes
    the permissions of the file it replaces, else of ``like``.
    """
    if not output.parent.is_dir():
        raise FileNotFoundError(f"output folder {output.parent} does not exist; create it first")
    remove_stale_temporaries(output)
    with _terminate_cleanly():
        handle, name = tempfile.mkstemp(prefix=f".{output.name}.{os.getpid()}.", suffix=TEMP_SUFFIX,
                                        dir=output.parent)
        os.close(handle)
        temporary = Path(name)
        try:
            yield temporary
            _flush(temporary)
            os.chmod(temporary, stat.S_IMODE((output if output.exists() else like).stat().st_mode))
            _replace(temporary, output)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise


def _replace(temporary: Path, output: Path) -> None:
    try:
        os.replace(temporary, output)
    except PermissionError as error:
        raise PermissionError(
            f"cannot replace {output} ({error.strerror}); close it if a spreadsheet "
            "application has it open, or choose another output"
        ) from error


def _flush(path: Path) -> None:
    with open(path, "rb+") as file:
        os.fsync(file.fileno())


def default_output_path(source: str | os.PathLike[str], suffix: str = "enriched") -> Path:
    """Where results go when no output is named: ``leads.xlsx`` -> ``leads.enriched.xlsx``.

    The file sits beside the source; ``.xls``, ``.xlsb`` and ``.ods`` sources give an
    ``.xlsx`` (those formats are read, not written). If that name is taken, ``-1``, ``-2``, ... is added
    (``leads.enriched-1.xlsx``), so an earlier result is never overwritten silently.
    """
    source = Path(source)
    kind = output_suffix(source) if source.suffix else ""
    candidate = source.with_name(f"{source.stem}.{suffix}{kind}")
    n = 0
    while candidate.exists():
        n += 1
        candidate = source.with_name(f"{source.stem}.{suffix}-{n}{kind}")
    return candidate
