"""Entry point for ``python -m stance``."""

import sys

from .cli import main

sys.exit(main())
