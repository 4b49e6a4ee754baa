"""`python -m ddbconsole`."""

from ddbconsole.cli import main

# Guarded so that importing this module (a spawned worker process does) never starts the console.
if __name__ == "__main__":
    raise SystemExit(main())
