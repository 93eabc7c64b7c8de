"""What a user calls: the command line (thin), report --watch, variants, lint, the starter files, the Python API."""
