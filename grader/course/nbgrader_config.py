"""nbgrader configuration of the course (run nbgrader commands from this folder)."""

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = "transformer-kit"
c.CourseDirectory.root = "."
# One notebook, graded by executing it top to bottom with the standard kernel.
c.ExecutePreprocessor.kernel_name = "python3"
c.ExecutePreprocessor.timeout = 120  # seconds per cell: a cell stuck in an endless loop scores 0 instead of hanging the class
c.Execute.interrupt_on_timeout = True
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
