"""``python -m arraymask`` is the ``arraymask`` command."""

from .cli import main

raise SystemExit(main())
