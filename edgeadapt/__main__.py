"""``python -m edgeadapt`` runs the ``edgeadapt`` command."""

import sys

from .cli import main

sys.exit(main())
