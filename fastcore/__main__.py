"""``python -m fastcore run module:app`` (same as the ``fastcore`` script)."""

import sys

from .cli import main

sys.exit(main())
