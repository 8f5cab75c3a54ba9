"""Graded exercises: in-notebook feedback, the question bank, practice problems and the grader.

    from gostack_kit.grading import notebook
    check, hint, progress = notebook("05-copying-stacks")
"""

from .feedback import check, hint, notebook, progress

__all__ = ["notebook", "check", "hint", "progress"]
