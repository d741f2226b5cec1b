"""`python -m scheduler.cli`: the same as the `newswatch` command."""

import sys

from scheduler.cli.app import main

sys.exit(main())
