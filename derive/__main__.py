"""`python -m derive`: hands the command line to cli.main (through cli.entry, which skips the teardown)."""
from .apps.cli import entry

entry()
