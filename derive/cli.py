"""The command line: `python -m derive <command>`; bad input prints a message and exits 1."""
from __future__ import annotations

import argparse
import json
import sys

from .errors import DeriveError


def _gradients(args) -> int:
    from . import output
    from .engine import derive
    from .exercise import load

    ex = load(args.file)
    if ex.kind != "gradient":
        raise DeriveError(f"{args.file} is a {ex.kind!r} exercise; `gradients` needs kind = \"gradient\"")
    d = derive(ex)
    checks = None
    if not args.exact_only:
        from .numeric import check_gradients

        checks = check_gradients(d)
    print(json.dumps(output.to_json(d, checks), indent=2, ensure_ascii=False) if args.json
          else output.to_text(d, checks))
    return 0


def _list(args) -> int:
    from .exercise import bundled, load

    for name, path in sorted(bundled().items()):
        ex = load(path)
        print(f"{name:<12} {ex.kind:<17} {ex.title or ''}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="derive", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    g = sub.add_parser("gradients", help="exact gradients of an exercise's target")
    g.add_argument("file", help="an exercise file, or a bundled exercise's name (see `derive list`)")
    g.add_argument("--json", action="store_true", help="print one JSON object")
    g.add_argument("--exact-only", action="store_true", help="skip the torch autograd and finite-difference checks")
    g.set_defaults(run=_gradients)
    sub.add_parser("list", help="the bundled exercises").set_defaults(run=_list)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except DeriveError as error:
        print(error, file=sys.stderr)
        return 1
