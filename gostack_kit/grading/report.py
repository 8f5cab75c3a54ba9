"""The grade table, grades.csv and grades.json: what the instructor reads after a run.

The table prints every student name and file name whole (columns are as wide as their
longest entry) and ends with a legend: points per question, `?` for an explanation a
person grades, `-` for a question the notebook does not have.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from pathlib import Path

__all__ = ["table", "write_reports", "LEGEND"]

NOTE_CHARS = 90  # longest reason shown per question in the printed table (the CSV keeps it all)
LEGEND = ("points per question; ? = an explanation, graded by hand (not in the score); "
          "- = no such question in this notebook")


def table(results) -> str:
    """A plain-text table: one row per submission, one column per question, then the legend."""
    qids = sorted({s.qid for r in results for s in r.scores})
    students = [r.student or "-" for r in results]
    files = [Path(r.path).name for r in results]
    sw = max([len("student"), *map(len, students)])
    fw = max([len("file"), *map(len, files)])
    head = f"{'student':<{sw}}  {'file':<{fw}}  {'topic':<5}" + "".join(f"{q:>5}" for q in qids)
    head += f"{'score':>8}  notes"
    rows = [head, "-" * len(head)]
    for r, who, name in zip(results, students, files):
        cols = {s.qid: ("?" if s.status == "manual" else f"{s.points:g}") for s in r.scores}
        notes = "; ".join(list(r.notes) + [f"{s.qid}: {s.reason[:NOTE_CHARS]}" for s in r.scores
                                            if s.status in ("fail", "missing")])
        marks = "".join(f"{cols.get(q, '-'):>5}" for q in qids)
        score = f"{r.score:g}/{r.possible:g}"
        rows.append(f"{who:<{sw}}  {name:<{fw}}  {(r.topic or '-')[:2]:<5}{marks}{score:>8}  {notes}")
    rows.append(LEGEND)
    return "\n".join(rows)


def write_reports(results, out: Path) -> tuple[Path, Path]:
    """Write grades.csv (one row per question) and grades.json (everything) into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = out / "grades.csv", out / "grades.json"
    with csv_path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "submission", "topic", "question", "points", "possible", "status", "reason"])
        for r in results:
            for s in r.scores:
                w.writerow([r.student or "", r.path, r.topic, s.qid, s.points, s.possible, s.status,
                            s.reason])
            if not r.scores:
                w.writerow([r.student or "", r.path, r.topic, "", 0, 0, "error", "; ".join(r.notes)])
    payload = [{**asdict(r), "score": r.score, "possible": r.possible} for r in results]
    json_path.write_text(json.dumps(payload, indent=1))
    return csv_path, json_path
