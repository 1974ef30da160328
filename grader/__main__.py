"""The instructor's command line.

    python -m grader build            regenerate exercises/ (and the course notebooks) from solutions/
    python -m grader build --check    exit 1 if anything generated is out of date
    python -m grader grade SUB [SUB ...] --out DIR [--jobs N] [--force] [--no-sandbox] [--no-report]
                                      grade folders or .zip files holding an exercises/ package
    python -m grader grade SUB [SUB ...] --out DIR --scheduler tcp://HOST:8786
                                      the same, on the workers of a Dask cluster
    python -m grader release OUT      write the student release (stubs, visible tests, sample) into OUT
    python -m grader report OUT       write OUT/report.html (and its PNGs) from the grades in OUT
    python -m grader gradescope OUT.zip [--per exercise|check] [--hidden-visibility V]
                                      write a Gradescope autograder bundle
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from pathlib import Path

from . import build, nbcourse


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="regenerate the stubs from the marked reference code")
    build_cmd.add_argument("--check", action="store_true", help="change nothing; exit 1 if a generated file is stale")
    grade_cmd = commands.add_parser("grade", help="grade submissions against the reference")
    grade_cmd.add_argument("submissions", nargs="+", type=Path, help="folders or .zip files, each holding an exercises/ package")
    grade_cmd.add_argument("--out", type=Path, required=True, help="folder for grades.csv and one folder of feedback per submission")
    grade_cmd.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel (default 1)")
    grade_cmd.add_argument("--check-seconds", type=float, default=10.0, help="time limit per check")
    grade_cmd.add_argument("--submission-seconds", type=float, default=180.0, help="time limit per submission")
    grade_cmd.add_argument("--memory-mb", type=int, default=2048, help="memory limit per submission")
    grade_cmd.add_argument("--force", action="store_true", help="grade again the submissions already graded in --out with the same files and grader")
    grade_cmd.add_argument("--no-report", action="store_true", help="do not write the class report (report.html) at the end")
    grade_cmd.add_argument("--scheduler", metavar="ADDRESS", help="grade on a Dask cluster: its scheduler's address, e.g. tcp://HOST:8786 (--jobs is then unused)")
    grade_cmd.add_argument("--no-sandbox", action="store_true", help="run the code without the bubblewrap sandbox: ONLY for code you trust (your own tests)")
    report_cmd = commands.add_parser("report", help="write the class report: score histogram, exercises, checks, common bugs")
    report_cmd.add_argument("out", type=Path, help="the --out folder of `grade`")
    release_cmd = commands.add_parser("release", help="write the student release: no solutions, no hidden checks")
    release_cmd.add_argument("out", type=Path, help="a new folder")
    gradescope_cmd = commands.add_parser("gradescope", help="write a Gradescope autograder bundle (setup.sh, run_autograder, the kit)")
    gradescope_cmd.add_argument("out", type=Path, help="the .zip to upload to Gradescope")
    gradescope_cmd.add_argument("--per", choices=("exercise", "check"), default="exercise",
                                help="one Gradescope test per exercise (default) or per hidden check")
    gradescope_cmd.add_argument("--hidden-visibility", choices=("after_published", "visible", "hidden", "after_due_date"),
                                default="after_published", help="when learners see the results (default after_published)")
    args = parser.parse_args(argv)

    if args.command == "build":
        if args.check:
            stale = build.stale() + ([str(nbcourse.NOTEBOOK.relative_to(build.ROOT))] if nbcourse.stale() else [])
            for path in stale:
                print(f"stale: {path} (run `python -m grader build`)")
            return 1 if stale else 0
        for path in [*build.build(), nbcourse.write()]:
            print(f"wrote {path.relative_to(build.ROOT)}")
        return 0
    if args.command == "grade":
        from .classroom import grade_class
        from .grade import MAX_SCORE, Grader, Limits
        from .jail import SandboxUnavailable

        for flag, value in (("--jobs", args.jobs), ("--check-seconds", args.check_seconds), ("--submission-seconds", args.submission_seconds), ("--memory-mb", args.memory_mb)):
            if value <= 0:
                parser.error(f"{flag} must be positive, got {value}")
        limits = Limits(check_seconds=args.check_seconds, submission_seconds=args.submission_seconds, memory_mb=args.memory_mb)
        if args.scheduler:
            from .cluster import ClusterError, grade_on_cluster

            try:
                reports = grade_on_cluster(args.submissions, args.out, args.scheduler, limits, sandbox=not args.no_sandbox, force=args.force)
            except ClusterError as error:
                print(f"cannot grade on the cluster: {error}", file=sys.stderr)
                return 2
        else:
            try:
                grader = Grader(limits, sandbox=not args.no_sandbox)
            except SandboxUnavailable as error:
                print(f"cannot grade safely: {error}", file=sys.stderr)
                return 2
            reports = grade_class(args.submissions, args.out, jobs=args.jobs, grader=grader, force=args.force)
        for report in reports:
            note = f"  ({report.problem})" if report.problem else ""
            print(f"{report.submission:<30} {report.score:>3} / {MAX_SCORE}  bonus {report.bonus}{note}")
        print(f"grades: {args.out / 'grades.csv'}; feedback: {args.out}/<submission>/feedback.md")
        if not args.no_report:
            from .classreport import write_report

            try:
                print(f"class report: {write_report(args.out)}")
            except Exception as error:  # the grades are written: a report that fails must not hide them
                print(f"the class report could not be written ({type(error).__name__}: {error}); the grades are complete", file=sys.stderr)
        return 0
    if args.command == "report":
        from .classreport import write_report

        try:
            print(f"wrote {write_report(args.out)}")
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
        return 0
    if args.command == "release":
        from .release import release

        try:
            files = release(args.out)
        except (FileExistsError, RuntimeError) as error:
            print(error, file=sys.stderr)
            return 2
        print(f"wrote {len(files)} files to {args.out}")
        return 0
    if args.command == "gradescope":
        from .gradescope import bundle

        try:
            entries = bundle(args.out, per=args.per, visibility=args.hidden_visibility)
        except ValueError as error:
            parser.error(str(error))
        print(f"wrote {args.out} ({len(entries)} files): upload it as the assignment's autograder on Gradescope")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
