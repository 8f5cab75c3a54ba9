"""Graded exercises: in-notebook feedback, the question bank, practice problems and the grader.

    from gostack_kit.grading import notebook, task_for
    check, hint, progress = notebook("05-copying-stacks")
    task = task_for("05-copying-stacks")
"""

from .feedback import check, hint, notebook, progress, task, task_for

__all__ = ["notebook", "task_for", "check", "hint", "progress", "task"]
