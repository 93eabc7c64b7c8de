"""`python -m derive`: hands the command line to cli.main."""
import sys

from .cli import main

sys.exit(main())
