"""``python -m layerlint``: the same entry point as the ``layerlint`` script."""

from layerlint.cli import main

raise SystemExit(main())
