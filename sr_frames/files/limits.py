"""Limits checked before a byte of an input file is inflated, and the XML guard.

A workbook is a zip of XML parts, so a small file can stand for gigabytes (a zip bomb),
a few kilobytes of XML can declare entities that expand to gigabytes (billion laughs),
and one cell in column XFD makes a reader allocate every cell to its left. Each limit
below is checked on what the zip's directory and the sheet's own tags declare, before
anything is inflated or allocated; the parts we inflate ourselves are read in chunks
and never past their declared size (Python's zip reader stops there).

Every XML part we parse goes through :func:`parse_xml` (defusedxml, DTDs refused) or,
for the parts too large to parse whole, :func:`refuse_dtd` on their prolog: without a
DTD no entity can be declared, so nothing can expand.

A limit is raised in Python with ``read_table(path, limits=WorkbookLimits(...))`` and
from the terminal (or anywhere) with the environment variable named in the error,
``SALESROCKS_WORKBOOK_MAX_CELLS=...`` and so on.
"""

from __future__ import annotations

import dataclasses
import os
import re
import zipfile
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from sr_frames.errors import WorkbookError

__all__ = ["WorkbookLimits", "check_archive", "over_limit", "parse_xml", "refuse_dtd"]

MiB = 1 << 20
ENV_PREFIX = "SALESROCKS_WORKBOOK_"


@dataclass(frozen=True)
class WorkbookLimits:
    """What an input file may hold; the defaults fit any list Excel itself can open."""

    max_total_bytes: int = 2048 * MiB
    """All parts together, uncompressed."""
    max_part_bytes: int = 1024 * MiB
    """One part (one sheet's XML), uncompressed."""
    max_ratio: float = 200.0
    """Uncompressed size over compressed size of a part (XML compresses 5-50x)."""
    max_rows: int = 1_048_576
    """Rows of the sheet read (Excel's own limit)."""
    max_columns: int = 16_384
    """Columns of the sheet read (Excel's own limit)."""
    max_cells: int = 30_000_000
    """Rows times columns of the sheet's used range: what a reader allocates."""
    max_shared_strings_bytes: int = 256 * MiB
    """The shared-strings part, uncompressed (held whole in memory by any reader)."""
    max_csv_bytes: int = 2048 * MiB
    """A CSV file's size."""

    @classmethod
    def from_env(cls, **overrides: Any) -> WorkbookLimits:
        """Defaults, then ``SALESROCKS_WORKBOOK_<NAME>`` variables, then ``overrides``."""
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            raw = os.environ.get(ENV_PREFIX + field.name.upper())
            if raw:
                kind = float if field.type in (float, "float") else int
                try:
                    values[field.name] = kind(raw)
                except ValueError:
                    raise WorkbookError(
                        f"{ENV_PREFIX + field.name.upper()}={raw!r} is not a number; set a number "
                        "or unset it", limit=field.name) from None
        values.update(overrides)
        return cls(**values)


def over_limit(what: str, measured: float, limits: WorkbookLimits, name: str) -> WorkbookError:
    """The error for ``measured`` over ``limits.<name>``, saying how to raise it."""
    allowed = getattr(limits, name)
    env = ENV_PREFIX + name.upper()
    return WorkbookError(
        f"{what} is {_number(measured)}, over the limit of {_number(allowed)} ({name}); "
        f"if you trust the file, raise it with {env}=... or "
        f"read_table(..., limits=WorkbookLimits({name}=...))",
        limit=name,
    )


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def check_archive(archive: zipfile.ZipFile, label: str, limits: WorkbookLimits) -> None:
    """Refuse a zip whose declared sizes or compression ratios break ``limits``."""
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.file_size > limits.max_part_bytes:
            raise over_limit(f"{label}: part {info.filename} uncompressed", info.file_size, limits,
                             "max_part_bytes")
        if info.file_size > MiB and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise over_limit(f"{label}: the compression ratio of part {info.filename}", ratio, limits,
                             "max_ratio")
    if total > limits.max_total_bytes:
        raise over_limit(f"{label}: its parts uncompressed", total, limits, "max_total_bytes")


_DTD = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def refuse_dtd(head: bytes, label: str) -> None:
    """Refuse a part whose prolog (``head``: its first kilobytes) declares a DTD."""
    start = re.search(rb"<[A-Za-z_]", head)
    prolog = head if start is None else head[: start.start()]
    if _DTD.search(prolog):
        raise WorkbookError(f"{label} declares a DTD (entity declarations are refused, they can "
                            "expand to gigabytes); save the file again from a spreadsheet application",
                            limit="dtd")


def parse_xml(data: bytes, label: str) -> Element:
    """A small XML part, parsed with DTDs and entity declarations refused."""
    refuse_dtd(data[:4096], label)
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise WorkbookError(f"{label} declares a DTD or entities; refused", limit="dtd") from None
    except Exception as error:  # ParseError and friends: the part is broken
        raise WorkbookError(f"{label} is not well-formed XML ({error}); save the file again "
                            "from a spreadsheet application") from None
