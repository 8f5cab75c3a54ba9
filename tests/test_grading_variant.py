"""A variant per student: numbers from identity + secret, the same in check(), hints and the grader.

Unit checks of variant.py and wire.py, then one `gostack-kit grade` run with a course
secret over both folder layouts: each student's solution scores full marks on their own
numbers, and one student's written-down answers fail for another.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from gostack_kit.app.cli import main as cli
from gostack_kit.grading import feedback, release, variant, wire
from gostack_kit.grading.grader import student_of
from gostack_kit.grading.questions import TOPICS, evaluate, judge, plan_calls, question, questions

SECRET = "test-course-secret"
VARIED = [(t, q.qid) for t in TOPICS for q in questions(t) if q.params is not None and not q.manual]
VALUE_ANSWERS = {  # the kit's own right answer of each value question, from its numbers
    ("01", "q1"): lambda p: {"threads_32": __import__("gostack_kit").address.threads_that_fit(
        32, p["stack"], p["guard"])},
    ("01", "q3"): lambda p: {"fits": tuple(__import__("gostack_kit").address.layout(
        32, threads=n, thread_stack=p["stack"]).fits for n in p["counts"])},
    ("02", "q1"): lambda p: {"overflow_depth": __import__("gostack_kit").address.limits.guard_depth(
        8 << 20, p["frame"], guard=4096, entry_used=p["entry_used"])},
    ("02", "q3"): lambda p: {"overflow_at": (p["size"] // (p["frame"] + 8),) * 2},
    ("04", "q1"): lambda p: {"splits": _hot_loop(p).splits},
    ("04", "q3"): lambda p: {"log": [(e.kind, e.step) for e in _hot_loop(p).events]},
    ("04", "q5"): lambda p: dict(zip(("first", "second"), _libgcc_depths(p))),
    ("06", "q1"): lambda p: {"checks_saved": _checks(p, False) - _checks(p, True)},
    ("06", "q3"): lambda p: {"heap_allocs": tuple(_toy(flag).run(_example("newpoint"), calls=p["calls"])
                                                  .heap_allocs for flag in (True, False))},
    ("06", "q5"): lambda p: {"first_release": next(v for v in p["releases"] if any(
        d.text.startswith(p["decision"]) for d in _toy(version=v).compile(_example(p["example"])).decisions
    ))},
    ("03", "q1"): lambda p: {"finish_us": _sched().q1_answer(p)},
    ("03", "q3"): lambda p: {"batches": [__import__("gostack_kit").sched.gmp.global_batch(*pair)
                                         for pair in p["pairs"]]},
    ("03", "q5"): lambda p: {"g1_runs_us": _sched().q5_answer(p)},
    ("03", "q6"): lambda p: _sched().q6_answer(p),
    ("05", "q1"): lambda p: {"first_growth_depth": _first_growth("1.27", p)},
    ("05", "q3"): lambda p: {"growth_log": [(g.depth, g.old_size, g.new_size) for g in __import__(
        "gostack_kit").ContiguousStack("1.27").run(__import__("gostack_kit").CallTrace.recursion(
            p["frame"], p["depth"], entry_used=192)).growths]},
    ("05", "q5"): lambda p: {"depths_by_release": {v: _first_growth(v, p) for v in ("1.19", "1.22", "1.27")}},
}


def _sched():
    from gostack_kit.grading.questions import sched
    return sched


def _hot_loop(p):
    from gostack_kit import CallTrace, SegmentedStack
    trace = CallTrace.hot_loop(p["depth"], p["frame"], p["callee"], p["n"], entry_used=p["entry_used"])
    return SegmentedStack("1.2").run(trace)


def _libgcc_depths(p):
    from gostack_kit import CallTrace, SegmentedStack
    steps = ([("call", p["frame"])] * p["calls"] + [("ret",)] * p["calls"]) * 2
    run = SegmentedStack(version="gcc").run(CallTrace.from_steps(steps, entry_used=p["entry_used"]))
    return [e.depth for e in run.split_events]


def _toy(inlining=True, budget=80, version="current"):
    from gostack_kit import Compiler
    return Compiler(inlining=inlining, budget=budget, version=version)


def _example(name):
    from gostack_kit.compiler import examples
    return examples.ALL[name]()


def _checks(p, inlining):
    return _toy(inlining, p["budget"]).run(_example("outer_inner"), calls=p["calls"]).stack_checks


def _first_growth(release_, p):
    from gostack_kit import CallTrace, ContiguousStack
    trace = CallTrace.recursion(p["frame"], 600, entry_used=p["entry_used"])
    return ContiguousStack(release_).run(trace).growths[0].depth


def _v(name, secret=SECRET):
    return variant.Variant(name, variant.key_for(name, secret), bool(secret))


def test_every_question_names_its_answer():
    for topic in TOPICS:
        for q in questions(topic):
            assert q.manual or q.names, (topic, q.qid)


@pytest.mark.parametrize("topic", list(TOPICS))
def test_every_question_text_names_its_answer(topic):
    nb = nbformat.read(release.SOLUTIONS / f"{topic}.ipynb", as_version=4)
    gids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    for q in questions(topic):
        if q.manual:
            continue
        cells = nb.cells[:gids.index(f"{q.qid}_answer")]
        heading = max(i for i, c in enumerate(cells)
                      if c.cell_type == "markdown" and f"## {q.qid} " in c.source)
        text = "".join(c.source for c in cells[heading:] if c.cell_type == "markdown")
        for name in q.names:  # the question's own text, between its heading and its answer cell
            assert f"`{name}" in text, (topic, q.qid, name)


def test_keys_need_the_secret():
    assert variant.key_for("alice", SECRET) != variant.key_for("alice", "another secret")
    assert variant.key_for("alice", SECRET) != variant.key_for("bob", SECRET)
    assert variant.key_for("alice", None) == variant.key_for("alice", None)  # guessable without one
    assert len(variant.key_for("alice", SECRET)) == variant.KEY_HEX


def test_identity_order_and_defaults():
    assert variant.identify({}, env={}) == variant.DEFAULT
    assert variant.identify({"STUDENT": "alice"}, env={}) == _v("alice", None)
    assert variant.identify({"STUDENT": "alice"}, env={"JUPYTERHUB_USER": "bob"}).student == "bob"
    assert variant.identify({"STUDENT": "alice"}, env={"GOSTACK_KIT_STUDENT": ""}) == variant.DEFAULT
    assert variant.identify({}, env={"JUPYTERHUB_USER": "bob", "GOSTACK_KIT_SECRET": SECRET}) == _v("bob")
    key = variant.key_for("alice", SECRET)  # the key an instructor hands out works without the secret
    assert variant.identify({"STUDENT": f"alice:{key}"}, env={}).key == key
    for bad in ("", "   ", "a b", "../x", 42, "alice:nothex"):
        assert variant.parse_student(bad) == (None, ""), bad


def test_student_of_both_layouts(tmp_path):
    root = tmp_path / "subs"
    assert student_of(root / "alice" / "05-copying-stacks.ipynb", root) == "alice"
    assert student_of(root / "bob-05-copying-stacks.ipynb", root) == "bob"
    assert student_of(root / "carol.ipynb", root) == "carol"
    assert student_of(root / "05-copying-stacks.ipynb", root) is None
    assert student_of(root / "dave" / "05-copying-stacks.ipynb") == "dave"  # a file named directly


@pytest.mark.parametrize("topic,qid", VARIED)
def test_variants_differ_and_defaults_are_todays_numbers(topic, qid):
    q = question(topic, qid)
    assert q.numbers(variant.DEFAULT) == q.defaults
    drawn = {json.dumps(q.numbers(_v(f"student{i}")), sort_keys=True) for i in range(12)}
    assert len(drawn) >= 6  # twelve students, at least six different sets of numbers


#: the kit's own function of each implement question that has a case on the student's numbers
REFERENCE = {
    ("04", "q2"): lambda frame, args: _segment_size(frame, args),
    ("04", "q6"): lambda frame, args, sigstksz: __import__("gostack_kit").stacks.libgcc.segment_bytes(
        frame + 3584 + args, sigstksz),
    ("06", "q2"): lambda frame, nosplit: __import__("gostack_kit").stacks.protocol.prologue_class(
        frame, nosplit),
}
#: the arguments of that case, from the student's numbers
OWN_ARGS = {("04", "q2"): ("frame", "args"), ("04", "q6"): ("frame", "args", "sigstksz"),
            ("06", "q2"): ("frame", "nosplit")}
#: the fewest distinct right answers 40 students may share, per question (measured: see docs/grading.md)
SPREAD = {("03", "q1"): 36, ("03", "q3"): 32, ("03", "q5"): 30, ("03", "q6"): 22,
          ("01", "q1"): 30, ("01", "q3"): 14, ("02", "q1"): 28, ("02", "q3"): 24,
          ("04", "q1"): 18, ("04", "q2"): 12, ("04", "q3"): 20, ("04", "q5"): 15, ("04", "q6"): 8,
          ("05", "q1"): 10, ("05", "q3"): 18, ("05", "q5"): 10,
          ("06", "q1"): 18, ("06", "q2"): 4, ("06", "q3"): 18, ("06", "q5"): 5}


def _segment_size(frame, args):
    from gostack_kit.core import versions
    from gostack_kit.stacks.segmented import segment_size
    return segment_size(frame, args, versions.get("1.2"), versions.get("1.2").stack_min)


@pytest.mark.parametrize("topic,qid", sorted(SPREAD))
def test_right_answers_spread_over_students(topic, qid):
    q = question(topic, qid)
    if (topic, qid) in VALUE_ANSWERS:
        right = VALUE_ANSWERS[(topic, qid)]
    else:  # an implement question: what its case on the student's own arguments expects
        right = lambda p: REFERENCE[(topic, qid)](*(p[k] for k in OWN_ARGS[(topic, qid)]))  # noqa: E731
    answers = {json.dumps(right(q.numbers(_v(f"student{i}"))), sort_keys=True) for i in range(40)}
    assert len(answers) >= SPREAD[(topic, qid)], (topic, qid, len(answers))


@pytest.mark.parametrize("topic,qid", sorted(REFERENCE))
def test_a_table_of_one_students_cases_fails_for_another(topic, qid):
    q = question(topic, qid)
    alice, bob = _v("alice"), _v("bob")
    table = {tuple(args): REFERENCE[(topic, qid)](*args) for args in plan_calls(q, alice)[q.names[0]]}
    ns = {q.names[0]: lambda *args: table[args]}  # right on every argument alice is asked about
    assert all(msg is None for _, msg in evaluate(q, ns, alice)), evaluate(q, ns, alice)
    failed = [label for label, msg in evaluate(q, ns, bob) if msg]
    assert failed == [f"{q.names[0]} on your own numbers"], failed  # only bob's own case is new


def test_a_steal_that_knows_only_alices_queues_fails_bobs_own():
    q = question("03", "q2")
    alice, bob = _v("alice"), _v("bob")

    def split(victim):
        k = len(victim) - len(victim) // 2
        return victim[:k], victim[k:]

    table = {tuple(args[0]): split(args[0]) for args in plan_calls(q, alice)["steal"]}
    ns = {"steal": lambda victim: table[tuple(victim)]}  # right on every queue alice is asked about
    assert all(msg is None for _, msg in evaluate(q, ns, alice)), evaluate(q, ns, alice)
    assert [label for label, msg in evaluate(q, ns, bob) if msg] == ["steal on your own numbers"]
    sizes = {len(q.numbers(_v(f"student{i}"))["victim"]) for i in range(40)}
    assert len(sizes) >= 16, sizes  # measured: 16 queue lengths over 40 students (docs/grading.md)


@pytest.mark.parametrize("topic,qid", sorted(VALUE_ANSWERS))
def test_one_students_answer_fails_for_another(topic, qid):
    q = question(topic, qid)
    alice, bob = _v("alice"), _v("bob")
    ns = VALUE_ANSWERS[(topic, qid)](q.numbers(alice))
    assert all(msg is None for _, msg in evaluate(q, ns, alice)), evaluate(q, ns, alice)
    assert any(msg for _, msg in evaluate(q, ns, bob))
    ns = VALUE_ANSWERS[(topic, qid)](q.numbers(variant.DEFAULT))  # today's numbers pass only for nobody
    assert all(msg is None for _, msg in evaluate(q, ns, variant.DEFAULT))


@pytest.mark.parametrize("topic", sorted({t for t, _ in VARIED}))
def test_the_model_solution_is_right_for_every_variant(topic, capsys):
    nb = nbformat.read(release.SOLUTIONS / f"{topic}.ipynb", as_version=4)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells}
    for i in range(25):
        v = _v(f"student{i}")
        for q in questions(topic):
            if q.manual:
                continue
            ns = {"STUDENT": v.student}
            exec(cells["setup"], ns)
            ns["p"] = q.numbers(v)
            exec(cells[f"{q.qid}_answer"], ns)
            assert all(msg is None for _, msg in evaluate(q, ns, v)), (v.student, q.qid, evaluate(q, ns, v))
    capsys.readouterr()


def test_hints_and_task_use_the_variant(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("GOSTACK_KIT_HOME", str(tmp_path))
    for name in ("JUPYTERHUB_USER", "GOSTACK_KIT_STUDENT", "GOSTACK_KIT_SECRET", "GOSTACK_KIT_KEY"):
        monkeypatch.delenv(name, raising=False)
    q = question("02", "q3")
    p = q.numbers(_v("alice", None))
    assert f"Every call takes {p['frame']} + 8 bytes of the {p['size']}." in q.hint_texts(_v("alice", None))
    assert feedback.task("02", "q3", {"STUDENT": "alice"}) == p
    assert "alice's numbers" in capsys.readouterr().out


def test_wire_keeps_plain_data_and_refuses_the_rest():
    class Always(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    for value in (None, True, 3, -2.5, "s", [1, (2, 3)], {"a": [1]}, ((1, 2), (3, 4))):
        assert wire.decode(json.loads(wire.dumps(wire.encode(value)))) == value
        assert type(wire.decode(wire.encode(value))) is type(value)
    fake = wire.decode(wire.encode(Always(4)))
    assert isinstance(fake, wire.Opaque) and fake != 4 and fake != fake.__class__()
    assert wire.loads("not json") == {"error": "no readable answer came back from the kernel"}


def test_judge_never_runs_student_objects():
    q = question("05", "q2")
    reply = {"names": {"newstack_size": {"value": {"function": "newstack_size"}}},
             "calls": {"newstack_size": [{"ok": {"opaque": "x.Always"}}] * 10}}
    assert all(msg for _, msg in judge(q, reply))
    assert all(msg for _, msg in judge(q, {"error": "timeout"}))


def test_key_for_prints_each_students_line(capsys, tmp_path):
    secret = tmp_path / "s"
    secret.write_text(SECRET)
    assert cli(["grade", "--key-for", "alice", "bob", "--secret-file", str(secret)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f'STUDENT = "{n}:{variant.key_for(n, SECRET)}"' for n in ("alice", "bob")]


def _literal(nb, answers: dict):
    """The notebook with each answer cell replaced by its answers written as literals."""
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        qid = gid.removesuffix("_answer")
        if gid.endswith("_answer") and qid in answers:
            cell.source = "\n".join(f"{k} = {v!r}" for k, v in answers[qid].items())
    return nb


OWN_SOLUTIONS = (("bob", "04-segmented-stacks-and-hot-split"), ("alice", "06-inlining-and-escape"))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("variants")
    subs = root / "subs"
    files = {}
    for who, topic in (("alice", "01-address-space"), ("bob", "01-address-space"),
                       ("alice", "02-thread-stacks-and-guard-pages"), *OWN_SOLUTIONS):
        files[(who, topic)] = subs / who / f"{topic}.ipynb"  # a folder per student
    carol = "carol-02-thread-stacks-and-guard-pages.ipynb"  # files named after students
    files[("carol", "02-thread-stacks-and-guard-pages")] = subs / carol
    for (_who, topic), path in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes((release.SOLUTIONS / f"{topic}.ipynb").read_bytes())
    alice = _v("alice")  # alice's right answers, written down, handed in by dave as his own
    nb = nbformat.read(release.SOLUTIONS / "01-address-space.ipynb", as_version=4)
    answers = {qid: VALUE_ANSWERS[("01", qid)](question("01", qid).numbers(alice)) for qid in ("q1", "q3")}
    for who, path in (("alice-copy", subs / "alice-copy" / "01-address-space.ipynb"),
                      ("dave", subs / "dave" / "01-address-space.ipynb"),
                      ("alice-literal", subs / "alice-01-address-space.ipynb")):
        files[(who, "01-address-space")] = path
        path.parent.mkdir(exist_ok=True)
        nbformat.write(_literal(nbformat.reads(nbformat.writes(nb), as_version=4), answers), path)
    alice6 = {qid: VALUE_ANSWERS[("06", qid)](question("06", qid).numbers(alice))
              for qid in ("q1", "q3", "q5")}
    nb6 = nbformat.read(release.SOLUTIONS / "06-inlining-and-escape.ipynb", as_version=4)
    files[("erin", "06-inlining-and-escape")] = path = subs / "erin" / "06-inlining-and-escape.ipynb"
    path.parent.mkdir(exist_ok=True)
    nbformat.write(_literal(nb6, alice6), path)  # alice's 06 answers as erin's
    secret_file = root / "secret"
    secret_file.write_text(SECRET)
    out = root / "out"
    assert cli(["grade", str(subs), "-q", "-o", str(out), "--secret-file", str(secret_file)]) == 0
    return {r["path"]: r for r in json.loads((out / "grades.json").read_text())}, files


def _points(row):
    return {s["qid"]: s["points"] for s in row["scores"] if s["status"] != "manual"}


def test_every_student_passes_on_their_own_numbers(graded):
    rows, files = graded
    for who, topic in (("alice", "01-address-space"), ("bob", "01-address-space"),
                       ("alice", "02-thread-stacks-and-guard-pages"),
                       ("carol", "02-thread-stacks-and-guard-pages"), *OWN_SOLUTIONS):
        row = rows[str(files[(who, topic)])]
        assert row["student"] == who and row["score"] == row["possible"], row


def test_copied_answers_fail_for_another_student(graded):
    rows, files = graded
    # alice's literal answers only fit alice's numbers: the folder name decides whose they are
    assert rows[str(files[("dave", "01-address-space")])]["student"] == "dave"
    assert _points(rows[str(files[("dave", "01-address-space")])])["q1"] == 0
    assert _points(rows[str(files[("alice-copy", "01-address-space")])])["q1"] == 0
    own = rows[str(files[("alice-literal", "01-address-space")])]  # handed in by alice herself: right
    assert own["student"] == "alice" and _points(own)["q1"] == 1 and _points(own)["q3"] == 1
    erin = _points(rows[str(files[("erin", "06-inlining-and-escape")])])
    assert (erin["q1"], erin["q3"], erin["q5"]) == (0, 0, 0) and erin["q2"] == 2  # her own prologue passes


def _solution_lines(topic):
    """The non-trivial lines of the model solution's answer cells (whitespace squeezed)."""
    src = (release.ROOT / "solutions" / "src" / f"{topic}.py").read_text()
    body = re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", src, flags=re.S)
    lines = {" ".join(line.split()) for chunk in body for line in chunk.splitlines()}
    return {line for line in lines if len(line) >= 12 and not line.startswith("#")}


@pytest.mark.parametrize("topic", list(TOPICS))
def test_no_hint_gives_the_answer(topic):
    lines = _solution_lines(topic)
    assert lines, topic  # the extraction found the model solution
    for q in questions(topic):
        for who in (None, *(_v(name) for name in ("alice", "bob", *(f"student{i}" for i in range(10))))):
            for hint in q.hint_texts(who):
                flat = " ".join(hint.split())
                leaked = [line for line in lines if line in flat]
                assert not leaked, (topic, q.qid, hint, leaked)
                answer = VALUE_ANSWERS.get((topic[:2], q.qid))
                if answer and who is not None:
                    for value in answer(q.numbers(who)).values():
                        assert not _states(flat, value), (topic, q.qid, hint)


def _states(text: str, value) -> bool:
    """True when `text` writes `value` as a token of its own (so 6 is not found in 16000 or 1 in 1.2)."""
    return re.search(rf"(?<![\w.]){re.escape(repr(value))}(?!\w|\.\d)", text) is not None
