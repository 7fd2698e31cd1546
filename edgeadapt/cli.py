"""The ``edgeadapt`` command.

Each command group lives next to the API it drives, in a module with a
``register(subparsers)`` function; this module only assembles them. Heavy imports
happen inside the command functions, so ``edgeadapt --help`` stays fast.

Every failure ends in one line on stderr and exit status 1: edgeadapt's own errors
and OS errors as their message (naming the file and the fix); any other exception is a
bug, reported as one line asking for a bug report. ``-v`` (or ``EDGEADAPT_DEBUG=1``)
adds the traceback. Warnings (a slot recovered, ...) are one line each too.

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
import os
import sys
import traceback
import warnings
from typing import Sequence

from . import __version__
from .errors import EdgeAdaptError

# One line per command group: the module that registers it.
COMMAND_MODULES = (
    "edgeadapt.apps.wakeword.cli",
    "edgeadapt.state.cli",
    "edgeadapt.apps.maintenance.cli",
)
DEBUG_VARIABLE = "EDGEADAPT_DEBUG"
# Longest message printed: a hostile input quoted in a message cannot flood the terminal.
MAX_MESSAGE_CHARS = 2000


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every command group registered."""
    parser = argparse.ArgumentParser(
        prog="edgeadapt",
        description="On-device personalization: learn on the device, keep what was learned.",
    )
    parser.add_argument("--version", action="version", version=f"edgeadapt {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help=f"show tracebacks of errors (or set {DEBUG_VARIABLE}=1)")
    groups = parser.add_subparsers(dest="group", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(groups)
    return parser


def _printable(text: str) -> str:
    """One line: control characters (newlines, terminal escapes) escaped, length capped."""
    if not text.isprintable():
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[:MAX_MESSAGE_CHARS] + f"... ({len(text) - MAX_MESSAGE_CHARS} more characters)"
    return text


def one_line(exc: BaseException) -> str:
    """The message of an error as the CLI prints it (without the ``edgeadapt: error:`` prefix)."""
    if isinstance(exc, OSError) and not isinstance(exc, EdgeAdaptError) and exc.strerror:
        where = exc.filename if exc.filename is not None else "edgeadapt"
        text = f"{where}: {exc.strerror[0].lower()}{exc.strerror[1:]}"
        if exc.filename2 is not None:
            text += f" (and {exc.filename2})"
    else:
        text = str(exc) or type(exc).__name__
    return _printable(text)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"edgeadapt: warning: {_printable(str(message))}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 error, 130 interrupted)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = bool(getattr(args, "verbose", False) or os.environ.get(DEBUG_VARIABLE))
    previous = warnings.showwarning
    warnings.showwarning = _show_warning
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
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
        return 1
    except Exception as exc:  # a foreign exception reaching the CLI is a bug of ours
        if debug:
            traceback.print_exc()
        hint = "" if debug else f" (rerun with -v or {DEBUG_VARIABLE}=1 for the traceback)"
        print(
            f"edgeadapt: internal error: {type(exc).__name__}: {one_line(exc)}; this is a bug in edgeadapt, "
            f"please report it with the command you ran{hint}",
            file=sys.stderr,
        )
        return 1
    finally:
        warnings.showwarning = previous


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
