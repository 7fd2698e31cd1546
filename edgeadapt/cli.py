"""The ``edgeadapt`` command.

Each command group lives next to the API it drives, in a module with a
``register(subparsers)`` function; this module only assembles them. Heavy imports
happen inside the command functions, so ``edgeadapt --help`` stays fast.

Every failure ends in one line on stderr and exit status 1: edgeadapt's own errors
and OS errors as their message (naming the file and the fix); any other exception is a
bug, reported as one line asking for a bug report. ``-v`` (or ``EDGEADAPT_DEBUG=1``)
adds the traceback. A wrong command line exits 2 (argparse's usage error), Ctrl-C 130
(:data:`edgeadapt.cli_common.EXIT_CODES`). ``-q``/``-v`` set the logging level and
warnings (a slot recovered, ...) are one line each (:func:`edgeadapt.cli_common.console`).

Examples
--------
>>> parser = build_parser()
>>> parser.parse_args(["state", "inspect", "x.ea"]).path
'x.ea'
>>> one_line(OSError(13, "Permission denied", "/etc/s.ea"))
'/etc/s.ea: permission denied'
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import traceback
from typing import Sequence

from . import __version__
from .cli_common import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, SCHEMAS, add_output_options, console, printable, verbosity
from .errors import EdgeAdaptError, InputError

# One line per command group: the module that registers it.
COMMAND_MODULES = (
    "edgeadapt.apps.wakeword.cli",
    "edgeadapt.state.cli",
    "edgeadapt.apps.maintenance.cli",
)
DEBUG_VARIABLE = "EDGEADAPT_DEBUG"


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every command group registered."""
    parser = argparse.ArgumentParser(
        prog="edgeadapt",
        description="On-device personalization: learn on the device, keep what was learned.",
    )
    parser.add_argument("--version", action="version", version=f"edgeadapt {__version__}")
    add_output_options(parser, json=False, top_level=True)
    groups = parser.add_subparsers(dest="group", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(groups)
    p = groups.add_parser("schema", help="print the JSON Schema of the records that --json writes")
    p.add_argument("name", nargs="?", help="a schema (e.g. state.inspect); without it, list them all")
    add_output_options(p, json=False)
    p.set_defaults(func=_schema)
    return parser


def _schema(args: argparse.Namespace) -> int:
    """``edgeadapt schema [NAME]``: list the record schemas, or print one as JSON Schema."""
    if args.name is None:
        for sid, schema in sorted(SCHEMAS.items()):
            print(f"{sid:<40} {schema.description}")
        return EXIT_OK
    wanted = args.name.removeprefix("edgeadapt.")
    found = [s for sid, s in SCHEMAS.items() if wanted in (s.name, sid.removeprefix("edgeadapt."))]
    if not found:
        raise InputError(f"no schema named {args.name!r}: 'edgeadapt schema' lists them")
    print(json.dumps(max(found, key=lambda s: s.version).json_schema(), indent=2))
    return EXIT_OK


def one_line(exc: BaseException) -> str:
    """The message of an error as the CLI prints it (without the ``edgeadapt: error:`` prefix)."""
    if isinstance(exc, OSError) and not isinstance(exc, EdgeAdaptError) and exc.strerror:
        where = exc.filename if exc.filename is not None else "edgeadapt"
        text = f"{where}: {exc.strerror[0].lower()}{exc.strerror[1:]}"
        if exc.filename2 is not None:
            text += f" (and {exc.filename2})"
    else:
        text = str(exc) or type(exc).__name__
    return printable(text)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 failure, 130 interrupted).

    A wrong command line raises ``SystemExit(2)`` from argparse, with its usage message.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    level = verbosity(args)
    debug = bool(level > 0 or os.environ.get(DEBUG_VARIABLE))
    with console(level):
        return _run(args, debug)


def _run(args: argparse.Namespace, debug: bool) -> int:
    try:
        return int(args.func(args) or EXIT_OK)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into `head`: not an error of ours
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:  # pragma: no cover
            pass
        return 0
    except (EdgeAdaptError, OSError) as exc:
        if debug:
            traceback.print_exc()
        print(f"edgeadapt: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:  # a foreign exception reaching the CLI is a bug of ours
        if debug:
            traceback.print_exc()
        hint = "" if debug else f" (rerun with -v or {DEBUG_VARIABLE}=1 for the traceback)"
        print(
            f"edgeadapt: internal error: {type(exc).__name__}: {one_line(exc)}; this is a bug in edgeadapt, "
            f"please report it with the command you ran{hint}",
            file=sys.stderr,
        )
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
