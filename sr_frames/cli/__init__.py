"""The ``sr-frames`` command: the parser (``parser``) and what each command does
(``commands``).

May import anything of the library (it is a face); the sandbox only to start it for
``--sandbox`` and ``sr-frames sandbox``.
"""

from sr_frames.cli.parser import main

__all__ = ["main"]
