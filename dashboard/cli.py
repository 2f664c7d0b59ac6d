"""``python -m dashboard …``: the operator's entry point.

Each capability registers its sub-commands from ``dashboard/commands/<area>.py`` (a ``register``
function). Errors an operator can cause (bad arguments, an unreachable database, bad input) end
in one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.exc import DBAPIError as _DBAPIError

from dashboard.commands import COMMAND_MODULES
from dashboard.commands.common import CliError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse prints usage + exits 2; keep it to one line
        raise CliError(f"tham số không hợp lệ / invalid arguments: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m dashboard", description="HSSK Dashboard operator commands")
    parser.add_argument("--db", metavar="URL", help="database URL (default: $DATABASE_URL, else var/hssk.db)")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return int(args.handler(args) or 0)
    except CliError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OperationalError as error:
        print(f"error: cannot reach the database: {_first_line(error.orig)}", file=sys.stderr)
        return 3
    except ArgumentError as error:
        print(f"error: invalid database URL: {_first_line(error)}", file=sys.stderr)
        return 2
    except _DBAPIError as error:
        print(f"error: database error: {_first_line(error.orig)}", file=sys.stderr)
        return 3
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _first_line(error: object) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
