"""The ``edgeadapt`` command.

Each command group lives next to the API it drives, in a module with a
``register(subparsers)`` function; this module only assembles them. Heavy imports
happen inside the command functions, so ``edgeadapt --help`` stays fast.

Examples
--------
>>> parser = build_parser()
>>> parser.parse_args(["state", "inspect", "x.ea"]).path
'x.ea'
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from . import __version__
from .errors import EdgeAdaptError

# One line per command group: the module that registers it.
COMMAND_MODULES = (
    "edgeadapt.apps.wakeword.cli",
    "edgeadapt.state.cli",
    "edgeadapt.apps.maintenance.cli",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every command group registered."""
    parser = argparse.ArgumentParser(
        prog="edgeadapt",
        description="On-device personalization: learn on the device, keep what was learned.",
    )
    parser.add_argument("--version", action="version", version=f"edgeadapt {__version__}")
    groups = parser.add_subparsers(dest="group", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(groups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 usage or input error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (EdgeAdaptError, FileNotFoundError, FileExistsError) as exc:
        print(f"edgeadapt: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
