"""``python -m trustkit.cli``."""

import sys

from trustkit.cli import main

sys.exit(main())
