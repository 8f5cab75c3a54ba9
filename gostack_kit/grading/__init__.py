"""Graded exercises: in-notebook feedback, the question bank, practice problems and the grader.

    from gostack_kit.grading import notebook
    check, hint, progress, task = notebook("05-copying-stacks")
"""

from .feedback import check, hint, notebook, progress, task

__all__ = ["notebook", "check", "hint", "progress", "task"]
