"""``python -m sr_frames.cli``: the same as ``sr-frames``."""

import sys

from sr_frames.cli.parser import main

sys.exit(main())
