"""nbgrader grades from the sandbox: a notebook's cells never run in the grader's kernel.

nbgrader's autograde normally executes each submitted notebook in a kernel
on the instructor's machine, and its hidden test cells grade the answers
inside that same kernel, where the answers' own cells can replace the
grading function or import the reference. The course's
``nbgrader_config.py`` therefore replaces nbgrader's ``Execute`` step with
``SandboxGrades``: the notebook's code cells run in the grader's sandbox
(``python -m grader grade`` uses the same one), the hidden checks run on the
names they define, and each hidden test cell gets the result as its
output: the hints on stdout and the points as its value, which nbgrader's
``SaveAutoGrades`` reads as the cell's partial credit. The kernel never
starts, so nothing a cell does can change a grade.
"""

from __future__ import annotations

import re
from functools import lru_cache

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

from .report import exercise_summary
from .sandbox import Code

HIDDEN_CALL = re.compile(r"grade_exercise\(\s*[\"'](\w+)[\"']")


@lru_cache(maxsize=1)
def _grader():
    from .grade import Grader

    return Grader()


def _is_test(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


class SandboxGrades(NbGraderPreprocessor):
    """Grade a notebook's answers in the sandbox and write each hidden test cell's points as its output."""

    def preprocess(self, nb, resources):
        grader = _grader()
        cells = tuple((str(index), cell.source) for index, cell in enumerate(nb.cells) if cell.cell_type == "code" and not _is_test(cell))
        code = Code(cells=cells)
        outcomes, _ = grader.outcomes_in_sandbox(code)
        report = grader.report("notebook", outcomes, grader.in_sandbox(code))
        for cell in nb.cells:
            if cell.cell_type != "code" or not _is_test(cell):
                continue
            # The hidden cell's source comes from the gradebook (nbgrader's OverwriteCells), not from the student.
            match = HIDDEN_CALL.search(cell.source)
            cell.outputs = [] if match is None else self._outputs(report, match.group(1))
        return nb, resources

    @staticmethod
    def _outputs(report, exercise: str) -> list:
        results = [r for r in report.results if r.exercise == exercise]
        earned, text = exercise_summary(results, report.diagnoses, exercise, report.roots)
        return [
            nbformat.v4.new_output("stream", name="stdout", text=text),
            nbformat.v4.new_output("execute_result", data={"text/plain": repr(float(earned))}, execution_count=1),
        ]
