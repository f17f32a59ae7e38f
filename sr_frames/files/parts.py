"""The small parts a write changes besides the sheet: the styles and an Excel Table.

Each is edited as bytes, the smallest change that does the job (a few ``<xf>`` appended
to ``cellXfs``, a ``ref`` widened, ``<tableColumn>`` entries appended), so everything
else in the part (extension lists, ids, attributes in their order) stays as it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sr_frames.files.cell_xml import CellStyles, escape
from sr_frames.files.sheet_scan import column_index, column_letter

__all__ = ["add_styles", "widen_ref", "widen_table"]

NUMBER_FORMATS = {"date": 14, "datetime": 22, "time": 21, "duration": 46}
_CELL_XFS = re.compile(rb"<((?:\w+:)?)cellXfs\b([^>]*?)(/?)>")
_REF = re.compile(r"^\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?$")


def add_styles(styles: bytes, kinds: Iterable[str]) -> tuple[bytes, CellStyles]:
    """``styles`` with one ``<xf>`` per kind appended to ``cellXfs``, and their indexes."""
    kinds = sorted(set(kinds))
    if not kinds:
        return styles, CellStyles()
    match = _CELL_XFS.search(styles)
    if match is None:
        return styles, CellStyles()
    prefix = match[1]
    if match[3]:  # <cellXfs/>: Excel needs xf 0 to exist, so add a default one first
        body, start, end, existing = b"", match.start(), match.end(), 0
        new = [b'<%sxf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' % prefix]
    else:
        closing = b"</%scellXfs>" % prefix
        close = styles.index(closing, match.end())
        body, start, end = styles[match.end():close], match.start(), close + len(closing)
        existing = len(re.findall(rb"<%sxf\b" % re.escape(prefix), body))
        new = []
    indexes = {}
    for kind in kinds:
        indexes[kind] = existing + len(new)
        if kind == "text":
            new.append(b'<%sxf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
                       % prefix)
        else:
            new.append(b'<%sxf numFmtId="%d" fontId="0" fillId="0" borderId="0" xfId="0" '
                       b'applyNumberFormat="1"/>' % (prefix, NUMBER_FORMATS[kind]))
    count = existing + len(new)
    attributes = re.sub(rb'\scount="\d*"', b"", match[2])
    element = b'<%scellXfs count="%d"%s>%s%s</%scellXfs>' % (prefix, count, attributes, body,
                                                               b"".join(new), prefix)
    return styles[:start] + element + styles[end:], CellStyles(**indexes)


def widen_ref(ref: str, header_row: int, last_col: int, new_last: int) -> str:
    """``ref`` reaching to column ``new_last`` if it starts on the header row and ends at
    the table's last column; otherwise ``ref`` unchanged."""
    match = _REF.match(ref)
    if match is None or match[3] is None:
        return ref
    if int(match[2]) != header_row or column_index(match[3]) != last_col:
        return ref
    return f"{match[1]}{match[2]}:{column_letter(new_last)}{match[4]}"


def widen_table(table: bytes, header_row: int, last_col: int, names: Sequence[str]) -> bytes | None:
    """A Table part grown by ``names`` (new columns right of ``last_col``), or ``None``
    when the table does not end at the sheet table (or has a totals row)."""
    root = re.search(rb"<((?:\w+:)?)table\b[^>]*>", table)
    if root is None or re.search(rb'\stotalsRowCount="[1-9]', root[0]):
        return None
    prefix = root[1]
    ref_match = re.search(rb'\sref="([^"]+)"', root[0])
    if ref_match is None:
        return None
    old = ref_match[1].decode()
    new = widen_ref(old, header_row, last_col, last_col + len(names))
    if new == old:
        return None
    head = root[0].replace(b' ref="%s"' % old.encode(), b' ref="%s"' % new.encode(), 1)
    out = table[: root.start()] + head + table[root.end():]
    out = re.sub(rb'(<%sautoFilter\b[^>]*?\sref=")%s(")' % (re.escape(prefix), re.escape(old.encode())),
                 lambda m: m[1] + new.encode() + m[2], out, count=1)
    columns = re.search(rb"<%stableColumns\b([^>]*)>" % re.escape(prefix), out)
    if columns is None:
        return None
    close = out.index(b"</%stableColumns>" % prefix, columns.end())
    body = out[columns.end():close]
    ids = [int(i) for i in re.findall(rb'<%stableColumn\b[^>]*?\sid="(\d+)"' % re.escape(prefix), body)]
    taken = {n.lower() for n in re.findall(rb'<%stableColumn\b[^>]*?\sname="([^"]*)"' % re.escape(prefix),
                                             body)}
    added = []
    next_id = max(ids, default=0) + 1
    for i, name in enumerate(names):
        label, n = name, 1
        while escape(label).lower() in taken:
            n += 1
            label = f"{name}{n}"
        taken.add(escape(label).lower())
        added.append(b'<%stableColumn id="%d" name="%s"/>' % (prefix, next_id + i,
                                                             escape(label).replace(b'"', b"&quot;")))
    attributes = re.sub(rb'\scount="\d*"', b"", columns[1])
    opening = b'<%stableColumns count="%d"%s>' % (prefix, len(ids) + len(added), attributes)
    return out[: columns.start()] + opening + body + b"".join(added) + out[close:]
