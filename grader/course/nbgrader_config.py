"""nbgrader configuration of the course (run nbgrader commands from this folder)."""

from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute

from grader.nbgrade import SandboxGrades

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = "transformer-kit"
c.CourseDirectory.root = "."
# Autograde never executes a submitted notebook in a kernel here: SandboxGrades takes
# the place of nbgrader's Execute step, runs the cells in the grader's sandbox and sets
# the hidden cells' scores (see grader/nbgrade.py). Every other step stays nbgrader's own.
c.Autograde.autograde_preprocessors = [SandboxGrades if step is Execute else step for step in Autograde.class_traits()["autograde_preprocessors"].default()]
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
