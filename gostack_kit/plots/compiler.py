"""Figures and tables for notebook 06 (inlining and escape analysis): records in, Axes or text out.

Every function reads records the engines made (compiler.Build / compiler.Run, StackRun,
CallTrace, labs.compiler.Agreement, realgo.CompilerFact) and draws or formats them; none
of them compiles or runs anything.
"""

from __future__ import annotations

from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from .style import COLORS, figure, kib, text_table

__all__ = ["costs", "frames", "growth", "sweep", "lab_panels", "decisions_table",
           "frames_table", "runs_table", "growth_table", "compare_table", "facts_table",
           "make_table", "moves_table", "probe_table", "lab_figure", "summary_table", "PROLOGUE_COLORS",
           "beside_table"]

STACK_SMALL = 128  # internal/abi/stack.go StackSmall: one compare up to this frame size
STACK_BIG = 4096  # internal/abi/stack.go StackBig: past it the check guards against wrap-around

#: One colour per prologue class (cmd/internal/obj/x86/obj6.go stacksplit).
PROLOGUE_COLORS = {"none": COLORS["free"], "small": COLORS["goroutine"],
                   "leaq": COLORS["highlight"], "subq": COLORS["segmented"]}
#: The check each class emits, in a few words (obj6.go stacksplit).
CLASS_WORDS = {"none": "no check (NOSPLIT)", "small": "CMPQ SP", "leaq": "LEAQ; CMPQ",
               "subq": "SUBQ; JCS; CMPQ"}


# --- tables ------------------------------------------------------------------------------------

def decisions_table(build, kind: str | None = None) -> str:
    """The toy's -m -m decisions (kind "inline" or "escape", or both), one row each."""
    rows = [(d.func, d.text) for d in build.decisions if kind is None or d.kind == kind]
    return text_table(("in func", "decision (-m wording)"), rows, align="left")


def frames_table(builds: dict) -> str:
    """Frame ($N) and prologue class of every function, one column pair per Build (or Run)."""
    labels = list(builds)
    first = builds[labels[0]]
    headers = ["func"] + [f"{label}: {h}" for label in labels for h in ("frame", "check")]
    rows = []
    for f in first.functions:
        row = [f.name]
        for label in labels:
            g = builds[label].function(f.name)
            row += [f"${g.frame}", g.prologue]
        rows.append(row)
    return text_table(headers, rows, align="left")


def runs_table(runs: dict) -> str:
    """What each compiler.Run executed: calls, stack checks, heap allocations, deepest stack."""
    rows = [(label, f"{r.calls_executed:,}", f"{r.stack_checks:,}", f"{r.heap_allocs:,}",
             kib(r.heap_bytes), kib(r.max_stack)) for label, r in runs.items()]
    return text_table(("build", "calls", "stack checks", "heap allocs", "heap bytes", "deepest stack"),
                 rows, align="left")


def growth_table(runs: dict) -> str:
    """For each (trace, StackRun): checks, where the stack grew, final size, bytes copied."""
    rows = []
    for label, (_trace, run) in runs.items():
        depths = ", ".join(str(g.depth) for g in run.growths) or "-"
        rows.append((label, f"{run.calls:,}", len(run.growths), depths, kib(run.final_size),
                     kib(run.bytes_copied)))
    return text_table(("build", "checks", "growths", "at call depths", "final stack", "copied"), rows,
                      align="left")


def moves_table(run) -> str:
    """Each time a StackRun's stack moved: depth, old and new size, bytes copied."""
    return text_table(("call depth", "old stack", "new stack", "bytes copied", "old stack"),
                 [(g.depth, kib(g.old_size), kib(g.new_size), f"{g.copied:,}", "freed")
                  for g in run.growths], align="left")


def probe_table(source: str, pairs) -> str:
    """The real walk probe beside ContiguousStack: (MoveProbe, StackRun) pairs, with the source."""
    rows = []
    for probe, run in pairs:
        model = tuple(g.depth for g in run.growths)
        frames = ", ".join(f"{'go func' if name == 'main' else name} ${frame}"
                           for name, frame in probe.frames)
        rows.append(("inlined" if probe.inlining else "-l", frames,
                     ", ".join(map(str, probe.moved_at)), ", ".join(map(str, model)),
                     "yes" if model == probe.moved_at else "NO"))
    return source + "\n" + text_table(("build", "frames (-S)", "real stack moved at depths",
                                  "ContiguousStack predicts", "same"), rows, align="left")


def compare_table(rows, only_differences: bool = False) -> str:
    """Toy beside real (labs.compiler.Agreement rows)."""
    keep = [r for r in rows if not only_differences or r.verdict != "same"]
    return text_table(("what", "func", "toy", "real Go", "verdict"),
                 [(r.what, r.func, r.toy, r.real, r.verdict) for r in keep], align="left")


def facts_table(facts, names=None) -> str:
    """Claims judged against the real compiler: statement, holds, the compiler's own words."""
    keep = [f for f in facts if names is None or f.name in names]
    return text_table(("claim", "holds", "evidence (real compiler output)"),
                 [(f.statement, "yes" if f.holds else "NO", f.evidence) for f in keep], align="left")


def make_table(toy_rows, real_rows) -> str:
    """make([]byte, n) with n known late: toy heap allocations beside real ones per call."""
    real = dict(real_rows)
    return text_table(("n (bytes)", "fits 32-byte buffer", "toy allocs/call", "real allocs/call"),
                 [(n, "yes" if n <= 32 else "no", a, real.get(n, "-")) for n, a in toy_rows], align="left")


# --- figures -----------------------------------------------------------------------------------

def costs(build, ax=None):
    """Inline cost of each function against the budget: green fits, red does not."""
    if ax is None:
        _, ax = figure(height=2.6)
    rows = [f for f in build.functions if f.cost is not None]
    names = [f.name for f in rows]
    values = [f.cost for f in rows]
    colors = [COLORS["goroutine"] if f.inlinable else COLORS["segmented"] for f in rows]
    ax.barh(names, values, color=colors)
    ax.axvline(build.budget, color=COLORS["guard"], ls="--", lw=1)
    ax.text(build.budget, len(names) - 0.5, f" budget {build.budget}", va="center", fontsize=9)
    for y, v in enumerate(values):
        ax.text(v, y, f" {v}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("inline cost (IR nodes, plus 57 per call that stays a call)")
    ax.set_title("Which functions fit the inlining budget")
    return ax


def frames(builds: dict, ax=None):
    """Frame size of each function in each build, coloured by its stack-check class."""
    if ax is None:
        _, ax = figure(height=2.8)
    labels = list(builds)
    names = [f.name for f in builds[labels[0]].functions]
    width = 0.8 / len(labels)
    top = 0
    for i, label in enumerate(labels):
        fs = [builds[label].function(n) for n in names]
        xs = [j + (i - (len(labels) - 1) / 2) * width for j in range(len(names))]
        ax.bar(xs, [f.frame for f in fs], width * 0.95, label=label,
               color=[PROLOGUE_COLORS[f.prologue] for f in fs], edgecolor=COLORS["guard"],
               hatch="//" if i else None, lw=0.5)
        for x, f in zip(xs, fs, strict=True):
            ax.text(x, f.frame, f"${f.frame}", ha="center", va="bottom", fontsize=7)
        top = max([top] + [f.frame for f in fs])
    for limit, name in ((STACK_SMALL, "StackSmall"), (STACK_BIG, "StackBig")):
        if limit <= top * 1.3:
            ax.axhline(limit, color=COLORS["guard"], ls=":", lw=1)
            ax.text(len(names) - 0.5, limit, name, ha="right", va="bottom", fontsize=8)
    classes = {f.prologue for b in builds.values() for f in b.functions}
    handles = [Patch(color=PROLOGUE_COLORS[c], label=CLASS_WORDS[c]) for c in PROLOGUE_COLORS
               if c in classes]
    ax.legend(handles=handles, loc="upper left", fontsize=8)
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel("frame N of $N-M (bytes)")
    ax.set_ylim(0, max(top, 1) * 1.25)
    ax.set_title(" vs ".join(labels) + " (hatched: " + labels[-1] + "); colour = check class"
                 if len(labels) > 1 else labels[0])
    return ax


def growth(runs: dict, ax=None):
    """Stack size against call depth for each (trace, StackRun): where each copy happened."""
    if ax is None:
        _, ax = figure(height=3.0)
    palette = [COLORS["contiguous"], COLORS["highlight"], COLORS["goroutine"], COLORS["thread"]]
    for (label, (trace, run)), color in zip(runs.items(), palette, strict=False):
        xs, ys = [0], [run.initial_size]
        for g in run.growths:
            xs += [g.depth, g.depth]
            ys += [ys[-1], g.new_size]
        xs.append(max(trace.max_depth, xs[-1]))
        ys.append(ys[-1])
        ax.plot(xs, ys, color=color, label=f"{label}: {len(run.growths)} copies")
        ax.plot([g.depth for g in run.growths], [g.new_size for g in run.growths], "o",
                color=color, ms=4)
    ax.set_yscale("log", base=2)
    ax.set_xlabel("call depth of the prologue that called morestack")
    ax.set_ylabel("goroutine stack (bytes)")
    ax.set_title("Where the copying stack grows")
    ax.legend(loc="lower right")
    return ax


def sweep(runs, ax=None):
    """Calls, stack checks (per run of the entry) and deepest stack against the budget."""
    if ax is None:
        _, ax = figure(height=3.0)
    budgets = [r.build.budget for r in runs]
    ax.step(budgets, [r.calls_executed / r.calls for r in runs], where="post",
            color=COLORS["thread"], label="calls")
    ax.step(budgets, [r.stack_checks / r.calls for r in runs], where="post",
            color=COLORS["goroutine"], ls="-.", label="stack checks")
    ax.axvline(80, color=COLORS["guard"], ls="--", lw=1)
    ax.text(80, 0, " Go's budget", fontsize=8, va="bottom")
    ax.set_xlabel("inlining budget")
    ax.set_ylabel("per run of main")
    ax.set_ylim(0, 1.4 * max(r.calls_executed / r.calls for r in runs))
    twin = ax.twinx()
    twin.step(budgets, [r.max_stack for r in runs], where="post", color=COLORS["highlight"],
              ls="--", label="deepest stack (bytes)")
    twin.set_ylabel("deepest stack (bytes)")
    twin.set_ylim(0, 1.4 * max(r.max_stack for r in runs))
    twin.spines["right"].set_visible(True)
    lines = ax.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], loc="upper center", ncol=3)
    ax.set_title("Raising the budget: fewer calls and checks, a deeper stack")
    return ax


def lab_figure(run, reference):
    """The dashboard's figure for one run beside Go's defaults (a new figure)."""
    fig, axes = figure(ncols=2, width=9.0, height=3.4)
    lab_panels(run, reference, axes)
    return fig


def summary_table(rows) -> str:
    """labs.compiler.agreement_summary rows as text."""
    return text_table(("program", "build", "decisions same", "frames same", "toy claims exact"), rows,
                      align="left")


def lab_panels(run, reference, axes):
    """The dashboard: counters per run of main (left) and frames (right), beside `reference`."""
    left, right = axes
    keys = (("calls", "calls_executed"), ("stack checks", "stack_checks"),
            ("heap allocs", "heap_allocs"))
    top = 1.0
    for i, (label, r, color) in enumerate((("this build", run, COLORS["contiguous"]),
                                           ("Go defaults", reference, COLORS["free"]))):
        vals = [getattr(r, attr) / r.calls for _, attr in keys]
        pos = [x + (i - 0.5) * 0.4 for x in range(len(keys))]
        left.bar(pos, vals, 0.38, color=color, label=label, edgecolor=COLORS["guard"], lw=0.5)
        top = max(top, *vals)
    left.set_xticks(range(len(keys)), [k for k, _ in keys])
    left.set_ylim(0, top * 1.2)
    # few ticks, at round numbers: every text costs a redraw (exact counts are in the status line)
    left.yaxis.set_major_locator(MaxNLocator(3, steps=[1, 2, 5, 10], integer=True))
    left.set_title("per run of main: this build (plum), Go defaults (grey)", fontsize=10)
    names = [f.name for f in run.functions]
    big = max(STACK_BIG * 2, *(f.frame for f in run.functions), *(f.frame for f in
                                                                   reference.functions))
    for i, (r, hatch) in enumerate(((run, None), (reference, "//"))):
        fs = [r.function(n) for n in names]
        pos = [x + (i - 0.5) * 0.4 for x in range(len(names))]
        right.bar(pos, [f.frame + 1 for f in fs], 0.38, hatch=hatch, lw=0.5,
                  color=[PROLOGUE_COLORS[f.prologue] for f in fs], edgecolor=COLORS["guard"])
    right.set_yscale("log", base=2)
    right.set_ylim(1, big * 4)
    # powers of two only on this log-2 axis; the biggest frame gets the next one up
    ticks = [1, 8, STACK_SMALL, STACK_BIG] + ([1 << (big - 1).bit_length()] if big > STACK_BIG * 2 else [])
    right.set_yticks(ticks, [str(t - 1 if t == 1 else t) for t in ticks])
    right.minorticks_off()
    right.axhline(STACK_SMALL, color=COLORS["guard"], ls=":", lw=1)
    right.axhline(STACK_BIG, color=COLORS["guard"], ls=":", lw=1)
    crowded = len(names) > 5  # long names would run into each other: every other one a line lower
    right.set_xticks(range(len(names)), ["\n" + n if crowded and i % 2 else n
                                         for i, n in enumerate(names)], fontsize=8)
    right.set_title("frame $N (hatched: Go defaults); colour = check class", fontsize=10)
    return axes


def beside_table(result) -> str:
    """A release's moving compiler facts beside Go 1.27's (labs.compiler.beside_current)."""
    version, rows = result
    same = all(a == b for _, a, b in rows)
    head = (f"Go {version} states every fact as Go 1.27 does" if same else
            f"Go {version} differs from Go 1.27 where marked *")
    table = text_table(("fact", f"Go {version}", "Go 1.27", ""),
                       [(f, a, b, "" if a == b else "*") for f, a, b in rows], align="left")
    return head + "\n" + table
