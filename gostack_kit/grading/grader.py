"""`gostack-kit grade PATH...`: score submitted exercise notebooks against solutions/.

    gostack-kit grade submissions/ alice.ipynb [-j 2] [--timeout 30] [-o grades/]

Every submission is graded on a private copy, in its own kernel:

    submission.ipynb --read bytes--> copy in a temp dir --rebuild--> grading notebook
        test cells: source restored from solutions/ (hidden tests back, tampering undone)
        setup cell: restored; deleted test/setup cells re-inserted, duplicates dropped
    grading notebook --nbclient, per-cell timeout, allow_errors--> executed cells
    executed test cell: no error output -> full points, else 0 and the error as reason

Questions are matched by nbgrader `grade_id`, never by position, so moved cells still
count; a deleted, duplicated or damaged cell gets a reason in the report instead of a
crash. A cell that runs past `timeout` is interrupted. A kernel that dies (os._exit) is
restarted, the setup cell rerun and grading goes on with the next cell (up to MAX_RESTARTS
times); a submission that runs past `total_timeout` has its kernel killed and the remaining
questions score 0.
The submission file is only ever read. Submissions run in parallel worker processes;
a progress bar goes to stderr, the table to stdout, and grades.csv / grades.json to -o.
The alternative nbgrader takes (a gradebook database and one notebook at a time) needs a
course directory; this grader needs only the files.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import copy
import csv
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .questions import TOPICS, questions
from .release import SOLUTIONS, TEXT_STUB

__all__ = ["QuestionScore", "Submission", "grade_one", "grade_paths", "find_submissions", "main"]

CELL_TIMEOUT = 30  # s per cell, nbgrader's default ExecutePreprocessor.timeout
TOTAL_TIMEOUT = 300  # s per submission before its kernel is killed
REASON_CHARS = 300  # longest error text kept in a reason (CSV, JSON)
MAX_RESTARTS = 3  # kernel deaths survived per submission before the rest scores 0
REPLY_KEY = "gostack_grade_reply"  # cell metadata key the execute hook fills in
NOTE_CHARS = 90  # longest reason shown per question in the printed table


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
        if path.name.startswith(name[:3]) or name in path.name:
            return name
    return None


def _rebuild(sub, sol, topic: str):
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


def _kill_kernel(client) -> None:
    provisioner = getattr(getattr(client, "km", None), "provisioner", None)
    pid = getattr(provisioner, "pid", None) or getattr(getattr(provisioner, "process", None), "pid", None)
    if pid:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


async def _run_cells(client, env: dict, expired: threading.Event, notes: list) -> None:
    """Execute every cell; when the kernel dies in a cell, restart it, rerun setup, go on."""
    from nbclient.exceptions import DeadKernelError
    from nbclient.util import ensure_async

    async with client.async_setup_kernel(env=env):
        cells, index, restarts = client.nb.cells, 0, 0
        while index < len(cells):
            try:
                await client.async_execute_cell(cells[index], index,
                                                execution_count=client.code_cells_executed + 1)
            except DeadKernelError:
                if expired.is_set() or restarts == MAX_RESTARTS:
                    raise
                restarts += 1
                gid = _gid(cells[index]) or f"cell {index}"
                notes.append(f"the kernel died in {gid} (os._exit, a crash or out of memory): restarted")
                cells[index].metadata[REPLY_KEY] = {"status": "error", "ename": "DeadKernelError",
                                                    "evalue": "the kernel died in this cell"}
                await ensure_async(client.km.restart_kernel(now=True))
                client.kc.stop_channels()
                await client.async_start_new_kernel_client()
                for i, cell in enumerate(cells[:index]):  # the restarted kernel needs the imports again
                    if _gid(cell) == "setup":
                        count = client.code_cells_executed + 1
                        await client.async_execute_cell(cell, i, execution_count=count)
            index += 1


def _execute(nb, workdir: str, timeout: int, total_timeout: int, notes: list) -> str | None:
    """Run `nb` in a fresh kernel (restart notes go to `notes`); None or why execution stopped early."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from nbclient.util import run_sync

    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", allow_errors=True, interrupt_on_timeout=True,
        error_on_timeout={"ename": "CellTimeout", "evalue": f"cell ran longer than {timeout} s",
                          "traceback": []},
        shutdown_kernel="immediate", record_timing=False, resources={"metadata": {"path": workdir}},
        on_cell_executed=_record_reply)
    expired = threading.Event()

    def watchdog():
        if not done.wait(total_timeout):
            expired.set()
            _kill_kernel(client)

    done = threading.Event()
    threading.Thread(target=watchdog, daemon=True).start()
    try:
        run_sync(_run_cells)(client, _kernel_env(), expired, notes)
    except DeadKernelError:
        return (f"the notebook ran longer than {total_timeout} s in total; its kernel was stopped"
                if expired.is_set() else "the kernel died (os._exit, a crash or out of memory)")
    except CellTimeoutError:
        return f"a cell ran longer than {timeout} s"
    except Exception as e:  # nbclient refusing the notebook must not stop the other submissions
        return _short(f"could not run the notebook: {type(e).__name__}: {e}")
    finally:
        done.set()
    return None


def _record_reply(cell, cell_index, execute_reply) -> None:
    """nbclient hook: keep the execute reply's status; a timed-out cell may have no error output."""
    content = execute_reply.get("content", {})
    cell.metadata[REPLY_KEY] = {k: str(content.get(k, "")) for k in ("status", "ename", "evalue")}


def _kernel_env() -> dict:
    env = dict(os.environ)
    env["GOSTACK_KIT_GRADING"] = "1"
    env.pop("GOSTACK_KIT_HOME", None)
    return env


def _cell_error(cell) -> str | None:
    reply = cell.metadata.get(REPLY_KEY, {})
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return _short(f"{out.get('ename')}: {out.get('evalue')}")
    if reply.get("status") != "ok":
        return _short(f"{reply.get('ename')}: {reply.get('evalue')}")
    return None


def grade_one(path: str, solutions: str = str(SOLUTIONS), timeout: int = CELL_TIMEOUT,
              total_timeout: int = TOTAL_TIMEOUT) -> Submission:
    """Grade one notebook file (read only) against the matching solution notebook."""
    import nbformat

    started = time.monotonic()
    src = Path(path)
    with tempfile.TemporaryDirectory(prefix="gostack-grade-") as work:
        copy_path = Path(work) / "submission.ipynb"
        try:
            shutil.copyfile(src, copy_path)
            sub = nbformat.reads(copy_path.read_text(encoding="utf-8"), as_version=4)
        except Exception as e:
            why = _short(f"not a readable notebook: {type(e).__name__}: {e}")
            return Submission(path, None, notes=(why,))
        topic = _topic_of(sub, src)
        if topic is None:
            return Submission(path, None, notes=("cannot tell which exercise notebook this is "
                                                 "(no gostack_kit.topic metadata, unknown file name)",))
        sol = nbformat.read(Path(solutions) / f"{topic}.ipynb", as_version=4)
        try:
            nb, notes = _rebuild(sub, sol, topic)
        except Exception as e:  # damaged cell structure
            return Submission(path, topic, notes=(_short(f"damaged notebook: {type(e).__name__}: {e}"),))
        stopped = _execute(nb, work, timeout, total_timeout, notes)
    if stopped:
        notes.append(stopped)
    by_gid: dict[str, list] = {}
    for cell in nb.cells:
        if _gid(cell):
            by_gid.setdefault(_gid(cell), []).append(cell)
    scores = []
    for q in questions(topic):
        if q.manual:
            answer = by_gid.get(q.qid, [])
            text = answer[0].get("source", "").strip() if answer else ""
            why = ("deleted" if not answer else "unanswered" if text in ("", TEXT_STUB) else
                   "answered: grade by hand")
            scores.append(QuestionScore(q.qid, 0, q.points, "manual", why))
            continue
        test = by_gid[q.qid][0]
        missing = "" if f"{q.qid}_answer" in by_gid else "answer cell deleted; "
        if REPLY_KEY not in test.metadata:
            why = missing + "test cell did not run" + (f" ({stopped})" if stopped else "")
            scores.append(QuestionScore(q.qid, 0, q.points, "missing", why))
            continue
        error = _cell_error(test)
        if error:
            scores.append(QuestionScore(q.qid, 0, q.points, "fail", missing + error))
        else:
            scores.append(QuestionScore(q.qid, q.points, q.points, "pass"))
    return Submission(path, topic, tuple(scores), tuple(notes), round(time.monotonic() - started, 2))


def find_submissions(paths) -> list[Path]:
    """Notebook files named directly, plus every *.ipynb under the folders named (sorted)."""
    found = []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(q for q in p.rglob("*.ipynb") if ".ipynb_checkpoints" not in q.parts)
        elif p.exists():
            found.append(p)
        else:
            raise ValueError(f"PATH must be a notebook or a folder; {str(p)!r} does not exist")
    return found


def _bar(done: int, total: int, width: int = 30) -> str:
    filled = width * done // max(total, 1)
    return f"\rgrading [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"


def grade_paths(paths, solutions: str = str(SOLUTIONS), workers: int = 2, timeout: int = CELL_TIMEOUT,
                total_timeout: int = TOTAL_TIMEOUT, progress=None) -> list[Submission]:
    """Grade every submission under `paths` in `workers` processes; results in input order."""
    files = find_submissions(paths)
    if workers < 1:
        raise ValueError(f"workers must be >= 1; got {workers}")
    results: dict[int, Submission] = {}
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=min(workers, max(len(files), 1)), mp_context=ctx) as pool:
        futures = {pool.submit(grade_one, str(f), solutions, timeout, total_timeout): i
                   for i, f in enumerate(files)}
        for fut in cf.as_completed(futures):
            i = futures[fut]
            try:
                results[i] = fut.result()
            except Exception as e:  # a worker that crashed still yields a row
                results[i] = Submission(str(files[i]), None, notes=(_short(f"grader error: {e}"),))
            if progress:
                progress(len(results), len(files))
    return [results[i] for i in range(len(files))]


def table(results: list[Submission]) -> str:
    """A plain-text table: one row per submission, one column per question."""
    qids = sorted({s.qid for r in results for s in r.scores})
    head = f"{'submission':<40} {'topic':<6}" + "".join(f"{q:>6}" for q in qids) + f"{'score':>10}  notes"
    rows = [head, "-" * len(head)]
    for r in results:
        cols = {s.qid: ("?" if s.status == "manual" else f"{s.points:g}") for s in r.scores}
        name = Path(r.path).name if len(r.path) > 40 else r.path
        notes = "; ".join(list(r.notes) + [f"{s.qid}: {s.reason[:NOTE_CHARS]}" for s in r.scores
                                            if s.status in ("fail", "missing")])
        marks = "".join(f"{cols.get(q, '-'):>6}" for q in qids)
        topic = (r.topic or "-")[:2]
        rows.append(f"{name[-40:]:<40} {topic:<6}{marks}{r.score:>5g}/{r.possible:<4g}  {notes}")
    return "\n".join(rows)


def write_reports(results: list[Submission], out: Path) -> tuple[Path, Path]:
    """Write grades.csv (one row per question) and grades.json (everything) into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = out / "grades.csv", out / "grades.json"
    with csv_path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["submission", "topic", "question", "points", "possible", "status", "reason"])
        for r in results:
            for s in r.scores:
                w.writerow([r.path, r.topic, s.qid, s.points, s.possible, s.status, s.reason])
            if not r.scores:
                w.writerow([r.path, r.topic, "", 0, 0, "error", "; ".join(r.notes)])
    payload = [{**asdict(r), "score": r.score, "possible": r.possible} for r in results]
    json_path.write_text(json.dumps(payload, indent=1))
    return csv_path, json_path


def main(argv: list[str] | None = None) -> int:
    """`gostack-kit grade PATH... [-j N] [--timeout S] [--total-timeout S] [-o DIR] [-q] [-v]`."""
    ap = argparse.ArgumentParser(prog="gostack-kit grade", description="Grade exercise notebooks.")
    ap.add_argument("paths", nargs="+", metavar="PATH", help="submitted notebooks or folders of them")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="submissions graded at once (default 2)")
    ap.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help="seconds per cell (default 30)")
    ap.add_argument("--total-timeout", type=int, default=TOTAL_TIMEOUT, help="seconds per submission")
    ap.add_argument("-o", "--out", default="grades", help="folder for grades.csv and grades.json")
    ap.add_argument("--solutions", default=str(SOLUTIONS), help="folder of solution notebooks")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    ap.add_argument("-v", "--verbose", action="store_true", help="first echo the parameters as ARG lines")
    o = ap.parse_args(argv)
    if o.verbose:
        print(f"ARG paths {' '.join(o.paths)}\nARG jobs {o.jobs}\nARG timeout {o.timeout}\n"
              f"ARG total-timeout {o.total_timeout}\nARG out {o.out}")

    def bar(done, total):
        print(_bar(done, total), end="\n" if done == total else "", file=sys.stderr, flush=True)

    results = grade_paths(o.paths, o.solutions, o.jobs, o.timeout, o.total_timeout,
                          progress=None if o.quiet else bar)
    print(table(results))
    csv_path, json_path = write_reports(results, Path(o.out))
    print(f"wrote {csv_path} and {json_path}")
    return 0
