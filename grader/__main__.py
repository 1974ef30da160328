"""The instructor's command line.

    python -m grader build            regenerate exercises/ (and the course notebooks) from solutions/
    python -m grader build --check    exit 1 if anything generated is out of date
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from . import build


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="regenerate the stubs from the marked reference code")
    build_cmd.add_argument("--check", action="store_true", help="change nothing; exit 1 if a generated file is stale")
    args = parser.parse_args(argv)

    if args.command == "build":
        if args.check:
            stale = build.stale()
            for path in stale:
                print(f"stale: {path} (run `python -m grader build`)")
            return 1 if stale else 0
        for path in build.build():
            print(f"wrote {path.relative_to(build.ROOT)}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
