"""The parts of an ``.xlsx`` package we need to find our way: which part is which sheet.

An ``.xlsx`` (or ``.xlsm``) file is a zip::

    [Content_Types].xml           the type of every part
    _rels/.rels                   -> xl/workbook.xml
    xl/workbook.xml               <sheets>: name, r:id; <bookViews activeTab>
    xl/_rels/workbook.xml.rels    r:id -> worksheets/sheetN.xml, styles.xml, ...
    xl/styles.xml                 cellXfs: the style index ``s`` of every cell
    xl/sharedStrings.xml          the text of ``t="s"`` cells
    xl/worksheets/sheetN.xml      one sheet's cells
    xl/worksheets/_rels/sheetN.xml.rels   -> ../tables/tableN.xml, drawings, comments
    xl/tables/tableN.xml          an Excel Table's range and columns

Only the small parts (workbook, relationships, styles, tables) are parsed here, each
through :func:`~sr_frames.files.limits.parse_xml`; a sheet is only ever streamed.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sr_frames.defaults import SMALL_PART
from sr_frames.errors import WorkbookError
from sr_frames.files.limits import WorkbookLimits, check_archive, parse_xml

__all__ = ["Package", "SheetRef", "open_package"]

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_PADDED = re.compile(r"^(0+)(?:\.(0+))?$")
BUILTIN_FORMATS = {1: "0", 2: "0.00"}


@dataclass(frozen=True)
class SheetRef:
    name: str
    part: str
    index: int


@dataclass
class Package:
    """An opened package: its zip, its worksheets in workbook order and the active one."""

    path: Path
    zip: zipfile.ZipFile
    sheets: list[SheetRef]
    active: int
    workbook_part: str
    styles_part: str | None
    limits: WorkbookLimits

    def read_small(self, part: str) -> bytes:
        info = self.zip.getinfo(part)
        if info.file_size > SMALL_PART:
            raise WorkbookError(f"{self.path.name}: part {part} is {info.file_size:,} bytes; too large "
                                "for a part of its kind")
        return self.zip.read(part)

    def pick(self, sheet: str | None) -> SheetRef:
        """The named sheet (exact name, else case-insensitive), else the active one."""
        if not self.sheets:
            raise ValueError(f"{self.path.name} has no worksheet (only charts); nothing to read")
        if sheet is None:
            return next((s for s in self.sheets if s.index == self.active), self.sheets[0])
        matches = [s for s in self.sheets if s.name == sheet] or [
            s for s in self.sheets if s.name.lower() == sheet.lower()]
        if len(matches) != 1:
            listed = ", ".join(repr(s.name) for s in self.sheets)
            raise ValueError(f"{self.path.name} has no sheet named {sheet!r}; its sheets are {listed}")
        return matches[0]

    def relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """``{rId: (type, target part)}`` of ``part``'s relationships (empty if none)."""
        folder, name = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", name + ".rels")
        if rels not in self.zip.NameToInfo:
            return {}
        root = parse_xml(self.read_small(rels), f"{self.path.name}: {rels}")
        found = {}
        for rel in root.iter(f"{{{PKG_REL_NS}}}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "")
            resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(folder, target))
            found[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], resolved)
        return found

    def padded_styles(self) -> dict[int, str]:
        """``{style index: number format}`` for the styles whose format pads numbers
        with zeros (``00000``, ``0``, ``0.00``): read_table shows those as Excel does."""
        if self.styles_part is None:
            return {}
        root = parse_xml(self.read_small(self.styles_part), f"{self.path.name}: {self.styles_part}")
        formats = dict(BUILTIN_FORMATS)
        for fmt in root.iter(f"{{{MAIN_NS}}}numFmt"):
            code = fmt.get("formatCode", "")
            if _PADDED.match(code.split(";")[0].strip()):
                formats[int(fmt.get("numFmtId", "-1"))] = code
        xfs = root.find(f"{{{MAIN_NS}}}cellXfs")
        padded = {}
        for index, xf in enumerate([] if xfs is None else xfs.findall(f"{{{MAIN_NS}}}xf")):
            found = formats.get(int(xf.get("numFmtId", "0")))
            if found is not None:
                padded[index] = found
        return padded


def open_package(path: Path, limits: WorkbookLimits) -> Package:
    """Open ``path`` as an ``.xlsx``/``.xlsm`` package, its limits checked first."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise WorkbookError(f"{path.name} is not a readable workbook ({error}); open it in Excel and "
                            "save it again as .xlsx (password-protected workbooks cannot be read)") from None
    try:
        check_archive(archive, path.name, limits)
        return _package(path, archive, limits)
    except BaseException:
        archive.close()
        raise


def _package(path: Path, archive: zipfile.ZipFile, limits: WorkbookLimits) -> Package:
    bare = Package(path, archive, [], 0, "", None, limits)
    roots = bare.relationships("")
    workbook_part = next((t for kind, t in roots.values() if kind == "officeDocument"), "xl/workbook.xml")
    if workbook_part not in archive.NameToInfo:
        raise WorkbookError(f"{path.name} is not a readable workbook (no {workbook_part}); open it in "
                            "Excel and save it again as .xlsx")
    book = parse_xml(bare.read_small(workbook_part), f"{path.name}: {workbook_part}")
    rels = bare.relationships(workbook_part)
    sheets = []
    for index, node in enumerate(book.iter(f"{{{MAIN_NS}}}sheet")):
        kind, target = rels.get(node.get(f"{{{REL_NS}}}id", ""), ("", ""))
        if kind == "worksheet" and target in archive.NameToInfo:
            sheets.append(SheetRef(node.get("name", ""), target, index))
    view = book.find(f"{{{MAIN_NS}}}bookViews/{{{MAIN_NS}}}workbookView")
    active = int(view.get("activeTab", "0")) if view is not None else 0
    styles = next((t for kind, t in rels.values() if kind == "styles" and t in archive.NameToInfo), None)
    return Package(path, archive, sheets, active, workbook_part, styles, limits)
