"""`gostack-kit grade PATH...`: score submitted exercise notebooks against solutions/.

    gostack-kit grade submissions/ [-j 2] [--timeout 30] [-o grades/] [--secret-file S] [--no-sandbox]

Two folder layouts name the students (the grader accepts both, mixed):

    submissions/alice/05-copying-stacks.ipynb      a folder per student
    submissions/alice-05-copying-stacks.ipynb      files named after students (or alice.ipynb)

Every submission is graded on a private copy, in its own sandboxed kernel (sandbox.py):

    submission.ipynb --read bytes--> copy in a temp dir --rebuild--> grading notebook
        setup/test cells: restored from solutions/ by grade_id (tampering undone, deleted ones back)
    grading notebook --run.py: code cells executed; at each test cell the answers come out as data
    answers (JSON) --questions.judge, in this process, on the student's variant--> points

A question scores only when the kit's own cases pass on the plain values the kernel sent;
nothing the submission defines runs in the grader. A cell past `timeout` is interrupted;
a kernel that dies or ignores the interrupt is replaced (setup rerun) and only that
question is lost; past `total_timeout` the kernel is killed. The submission file is only
read. With a course secret each student's numbers come from their identity (variant.py);
without one they are guessable, and the grader says so.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import copy
import multiprocessing
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import sandbox, wire
from . import variant as variants
from .questions import TOPICS, judge, questions
from .release import SOLUTIONS, TEXT_STUB
from .report import table, write_reports
from .run import FETCH_KEY, execute

__all__ = ["QuestionScore", "Submission", "grade_one", "grade_paths", "find_submissions", "student_of",
           "table", "write_reports", "main"]

CELL_TIMEOUT = 30  # s per cell, nbgrader's default ExecutePreprocessor.timeout
TOTAL_TIMEOUT = 300  # s per submission before its kernel is killed
REASON_CHARS = 300  # longest error text kept in a reason (CSV, JSON)
NO_SECRET = ("no course secret (--secret, --secret-file or GOSTACK_KIT_SECRET): every student's "
             "numbers follow from their name alone, so variants are guessable")
UNSANDBOXED = "WARNING: grading WITHOUT a sandbox: student code runs as you, with your files and network"


@dataclass(frozen=True)
class QuestionScore:
    """One question of one submission: points earned of possible, and why."""

    qid: str
    points: float
    possible: float
    status: str  # "pass", "fail", "missing", "manual"
    reason: str = ""


@dataclass(frozen=True)
class Submission:
    """The grade of one submitted notebook."""

    path: str
    topic: str | None
    scores: tuple[QuestionScore, ...] = ()
    notes: tuple[str, ...] = field(default=())
    seconds: float = 0.0
    student: str | None = None

    @property
    def score(self) -> float:
        """Autograded points earned."""
        return sum(s.points for s in self.scores if s.status != "manual")

    @property
    def possible(self) -> float:
        """Autograded points possible."""
        return sum(s.possible for s in self.scores if s.status != "manual")


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= REASON_CHARS else text[: REASON_CHARS - 3] + "..."


def _gid(cell) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta.get("grade_id") if isinstance(meta, dict) else None


def _topic_of(nb, path: Path) -> str | None:
    meta = nb.get("metadata", {}).get("gostack_kit", {})
    topic = meta.get("topic") if isinstance(meta, dict) else None
    if topic in TOPICS:
        return topic
    for name in TOPICS:
        if name in path.name or path.name.startswith(name[:3]):
            return name
    return None


def student_of(path: Path, root: Path | None = None) -> str | None:
    """The student a submission belongs to: its folder under `root`, else its file name minus the topic."""
    if root is not None and len(path.relative_to(root).parts) >= 2:
        name, _ = variants.parse_student(path.relative_to(root).parts[0])
        return name
    stem = path.stem
    for topic in TOPICS:
        stem = stem.replace(topic, "")
    stem = stem.strip("-_. ")
    if not stem and root is None:  # a file named after its topic, given directly: its folder names it
        stem = path.parent.name
    return variants.parse_student(stem)[0]


def _rebuild(sub, sol):
    """The notebook to execute: the student's cells with tests/setup restored from `sol`; notes."""
    ref = {_gid(c): c for c in sol.cells if _gid(c)}
    locked = {gid for gid, c in ref.items()
              if c.metadata["nbgrader"].get("grade") and not c.metadata["nbgrader"].get("solution")
              or c.metadata["nbgrader"].get("locked")}
    notes, seen, cells = [], {}, []
    for cell in sub.cells:
        gid = _gid(cell)
        if gid is not None:
            seen[gid] = seen.get(gid, 0) + 1
        if gid in locked:
            if seen[gid] > 1:
                notes.append(f"duplicate grade_id {gid!r}: extra copy ignored")
                continue
            cell = copy.deepcopy(ref[gid])
        elif gid in ref and seen[gid] == 2:
            notes.append(f"duplicate grade_id {gid!r}: every copy runs, in order")
        cell = copy.deepcopy(cell)
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
    for gid in [g for g in ref if g in locked and g not in seen]:  # deleted: put back from solutions
        at = next((i + 1 for i, c in enumerate(cells) if _gid(c) == f"{gid}_answer"), None)
        if gid == "setup":
            at = 0
        notes.append(f"cell {gid!r} was deleted: restored from solutions/")
        cells.insert(len(cells) if at is None else at, copy.deepcopy(ref[gid]))
    nb = copy.deepcopy(sol)
    nb.cells = cells
    return nb, notes


def _score(q, cells, stopped, variant) -> QuestionScore:
    if q.manual:
        text = cells[0].get("source", "").strip() if cells else ""
        why = ("deleted" if not cells else "unanswered" if text in ("", TEXT_STUB)
               else "answered: grade by hand")
        return QuestionScore(q.qid, 0, q.points, "manual", why)
    test = cells[0]
    if FETCH_KEY not in test.metadata:
        why = "test cell did not run" + (f" ({stopped})" if stopped else "")
        return QuestionScore(q.qid, 0, q.points, "missing", why)
    failed = [(label, msg) for label, msg in judge(q, wire.loads(test.metadata[FETCH_KEY]), variant) if msg]
    if not failed:
        return QuestionScore(q.qid, q.points, q.points, "pass")
    label, msg = failed[0]
    more = f" (and {len(failed) - 1} more failed checks)" if len(failed) > 1 else ""
    return QuestionScore(q.qid, 0, q.points, "fail", _short(f"{label}: {msg}{more}"))


def grade_one(path: str, solutions: str = str(SOLUTIONS), timeout: int = CELL_TIMEOUT,
              total_timeout: int = TOTAL_TIMEOUT, student: str | None = None, key: str | None = None,
              sandboxed: bool = True) -> Submission:
    """Grade one notebook file (read only) against the matching solution notebook, as `student`."""
    import nbformat

    started = time.monotonic()
    src = Path(path)
    var = variants.Variant(student, key or variants.key_for(student, None), bool(key)) if student \
        else variants.DEFAULT
    with tempfile.TemporaryDirectory(prefix="gostack-grade-") as work:
        try:
            copy_path = Path(work) / "submission.ipynb"
            shutil.copyfile(src, copy_path)
            sub = nbformat.reads(copy_path.read_text(encoding="utf-8"), as_version=4)
        except Exception as e:
            why = _short(f"not a readable notebook: {type(e).__name__}: {e}")
            return Submission(path, None, notes=(why,), student=student)
        topic = _topic_of(sub, src)
        if topic is None:
            return Submission(path, None, notes=("cannot tell which exercise notebook this is "
                                                 "(no gostack_kit.topic metadata, unknown file name)",),
                              student=student)
        try:
            sol = nbformat.read(Path(solutions) / f"{topic}.ipynb", as_version=4)
        except Exception as e:  # a missing or damaged solution costs this submission, not the run
            return Submission(path, topic, notes=(_short(f"cannot read the solution notebook {topic}.ipynb "
                                                         f"in {solutions}: {type(e).__name__}: {e}"),),
                              student=student)
        try:
            nb, notes = _rebuild(sub, sol)
        except Exception as e:  # damaged cell structure
            return Submission(path, topic, notes=(_short(f"damaged notebook: {type(e).__name__}: {e}"),),
                              student=student)
        extra = {variants.ENV_STUDENT: student or "", variants.ENV_KEY: var.key if student else ""}
        km, env = sandbox.kernel_manager(Path(work), sandboxed, extra)
        stopped = execute(nb, km, env, timeout, total_timeout, questions(topic), var, notes)
    if stopped:
        notes.append(stopped)
    by_gid: dict[str, list] = {}
    for cell in nb.cells:
        if _gid(cell):
            by_gid.setdefault(_gid(cell), []).append(cell)
    scores = []
    for q in questions(topic):
        s = _score(q, by_gid.get(q.qid, []), stopped, var)
        if not q.manual and f"{q.qid}_answer" not in by_gid and s.status != "pass":
            s = QuestionScore(s.qid, s.points, s.possible, s.status, "answer cell deleted; " + s.reason)
        scores.append(s)
    return Submission(path, topic, tuple(scores), tuple(notes), round(time.monotonic() - started, 2), student)


def find_submissions(paths) -> list[Path]:
    """Notebook files named directly, plus every *.ipynb under the folders named (sorted)."""
    return [p for p, _ in _found(paths)]


def _found(paths) -> list[tuple[Path, Path | None]]:
    found = []
    for p in map(Path, paths):
        if p.is_dir():
            found += [(q, p) for q in sorted(p.rglob("*.ipynb")) if ".ipynb_checkpoints" not in q.parts]
        elif p.exists():
            found.append((p, None))
        else:
            raise ValueError(f"PATH must be a notebook or a folder; {str(p)!r} does not exist")
    return found


def grade_paths(paths, solutions: str = str(SOLUTIONS), workers: int = 2, timeout: int = CELL_TIMEOUT,
                total_timeout: int = TOTAL_TIMEOUT, progress=None, secret: str | None = None,
                sandboxed: bool = True) -> list[Submission]:
    """Grade every submission under `paths` in `workers` processes; results in input order."""
    files = _found(paths)
    if workers < 1:
        raise ValueError(f"workers must be >= 1; got {workers}")
    results: dict[int, Submission] = {}
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=min(workers, max(len(files), 1)), mp_context=ctx) as pool:
        futures = {}
        for i, (f, root) in enumerate(files):
            who = student_of(f, root)
            key = variants.key_for(who, secret) if who and secret else None
            job = pool.submit(grade_one, str(f), solutions, timeout, total_timeout, who, key, sandboxed)
            futures[job] = i
        for fut in cf.as_completed(futures):
            i = futures[fut]
            try:
                results[i] = fut.result()
            except Exception as e:  # a worker that crashed still yields a row
                results[i] = Submission(str(files[i][0]), None, notes=(_short(f"grader error: {e}"),))
            if progress:
                progress(len(results), len(files))
    return [results[i] for i in range(len(files))]


def _bar(done: int, total: int, width: int = 30) -> str:
    filled = width * done // max(total, 1)
    return f"\rgrading [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"


def main(argv: list[str] | None = None) -> int:
    """`gostack-kit grade PATH... [-j N] [--timeout S] [-o DIR] [--secret-file F] [--no-sandbox] [-v]`."""
    ap = argparse.ArgumentParser(prog="gostack-kit grade", description="Grade exercise notebooks.")
    ap.add_argument("paths", nargs="*", metavar="PATH", help="submitted notebooks or folders of them")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="submissions graded at once (default 2)")
    ap.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help="seconds per cell (default 30)")
    ap.add_argument("--total-timeout", type=int, default=TOTAL_TIMEOUT, help="seconds per submission")
    ap.add_argument("-o", "--out", default="grades", help="folder for grades.csv and grades.json")
    ap.add_argument("--solutions", default=str(SOLUTIONS), help="folder of solution notebooks")
    ap.add_argument("--secret", help="the course secret (prefer --secret-file: arguments show in ps)")
    ap.add_argument("--secret-file", help="file holding the course secret, kept outside the release")
    ap.add_argument("--no-sandbox", action="store_true", help="run student code without bubblewrap")
    ap.add_argument("--key-for", nargs="+", metavar="STUDENT",
                    help="print each student's STUDENT line (name:key) for their own machine, and stop")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    ap.add_argument("-v", "--verbose", action="store_true", help="first echo the parameters as ARG lines")
    o = ap.parse_args(argv)
    if o.verbose:
        print(f"ARG paths {' '.join(o.paths)}\nARG jobs {o.jobs}\nARG timeout {o.timeout}\n"
              f"ARG total-timeout {o.total_timeout}\nARG out {o.out}")
    secret = variants.secret_from(o.secret, o.secret_file)
    if o.key_for:
        for name in o.key_for:
            who, _ = variants.parse_student(name)
            if who is None:
                ap.error(f"--key-for: {name!r} is not a login (letters, digits, . _ @ + -)")
            print(f'STUDENT = "{who}:{variants.key_for(who, secret)}"')
        if secret is None:
            print(f"note: {NO_SECRET}", file=sys.stderr)
        return 0
    if not o.paths:
        ap.error("give at least one PATH (a notebook or a folder of them)")
    if secret is None:
        print(f"note: {NO_SECRET}", file=sys.stderr)
    why = "--no-sandbox was given" if o.no_sandbox else sandbox.available()
    if why:
        print(f"{UNSANDBOXED} ({why})", file=sys.stderr)

    def bar(done, total):
        print(_bar(done, total), end="\n" if done == total else "", file=sys.stderr, flush=True)

    results = grade_paths(o.paths, o.solutions, o.jobs, o.timeout, o.total_timeout,
                          progress=None if o.quiet else bar, secret=secret, sandboxed=why is None)
    print(table(results))
    csv_path, json_path = write_reports(results, Path(o.out))
    print(f"wrote {csv_path} and {json_path}")
    return 0
