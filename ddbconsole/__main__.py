"""`python -m ddbconsole`."""

from ddbconsole.cli import main

raise SystemExit(main())
