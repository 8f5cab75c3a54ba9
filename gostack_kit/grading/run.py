r"""Run one rebuilt submission in its kernel and bring each question's answers out as data.

    cells in order --> code cell: execute (per-cell timeout, interrupt by message)
                   \-> test cell qN: not executed; instead one silent request evaluates
                       wire.collect(globals(), names, calls) and returns JSON text
    kernel died, or a timed-out cell left it busy (an interrupt swallowed)
        --> kill it, start a fresh one, rerun the setup cell(s), go on with the next cell

Only the JSON text of each answer leaves the kernel (see wire.py); the comparison with
the engine happens in the grader's own process afterwards. The rejected alternative,
scoring a test cell by whether it raised, let a submission decide its own score.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import json
import os
import subprocess
import threading
import time

from .questions import plan_calls
from .sandbox import kill_tree

__all__ = ["execute", "REPLY_KEY", "FETCH_KEY"]

REPLY_KEY = "gostack_grade_reply"  # cell metadata: the execute reply's status
FETCH_KEY = "gostack_grade_answers"  # cell metadata of a test cell: the answers' JSON reply, or why none
MAX_RESTARTS = 3  # kernel restarts per submission before the remaining questions score 0
POLL = 1.0  # s between checks that the kernel is alive while an answer is awaited
PROBE_TIMEOUT = 5  # s a timed-out cell's kernel gets to answer again before it is restarted
OUTPUT_BYTES = 2 << 20  # bytes of output kept per submission; the rest is dropped with a note
FETCH = "__import__('gostack_kit.grading.wire', fromlist=['collect']).collect(globals(), {!r})"


def _gid(cell):
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta.get("grade_id") if isinstance(meta, dict) else None


def _client_class():
    from nbclient import NotebookClient

    class Client(NotebookClient):
        """nbclient with an output budget: a flood of prints cannot fill the grader's memory."""

        used = 0
        cut = False

        def output(self, outs, msg, display_id, cell_index):
            """Keep an output while the budget lasts."""
            self.used += len(json.dumps(msg.get("content", {}), default=str))
            if self.used > OUTPUT_BYTES:
                self.cut = True
                return None
            return super().output(outs, msg, display_id, cell_index)

    return Client


class KernelDied(Exception):
    """The kernel died while the grader waited for its answer."""


async def _request(client, expressions: dict, timeout: float):
    """Send a silent execute with user_expressions; the reply content, or None on timeout."""
    from nbclient.util import ensure_async

    kc = client.kc
    msg_id = kc.execute("", silent=True, store_history=False, user_expressions=expressions)
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            msg = await ensure_async(kc.get_shell_msg(timeout=min(left, POLL)))
        except Exception:  # queue.Empty: nothing yet; is the kernel still there?
            if not await ensure_async(client.km.is_alive()):
                raise KernelDied() from None
            continue
        if msg.get("parent_header", {}).get("msg_id") == msg_id:
            return msg.get("content", {})
    return None


def _answer_text(content) -> dict:
    """The JSON answer out of a user_expressions reply ({'error': ...} when there is none)."""
    if content is None:
        return {"error": "timeout"}
    expr = content.get("user_expressions", {}).get("a", {})
    if expr.get("status") != "ok":
        return {"error": f"{expr.get('ename', 'Error')}: {expr.get('evalue', '')}"[:300]}
    try:
        text = ast.literal_eval(expr.get("data", {}).get("text/plain", ""))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return {"error": "the answer could not be read"}
    from .wire import loads

    return loads(text)


class _Runner:
    """The state of one submission's run: client, restarts, notes."""

    def __init__(self, client, env, expired, notes, timeout, questions, variant):
        self.client, self.env, self.expired, self.notes = client, env, expired, notes
        self.timeout, self.restarts, self.variant = timeout, 0, variant
        self.questions = {q.qid: q for q in questions if not q.manual}

    async def restart(self, why: str, upto: int) -> None:
        """Kill the kernel, start a new one and rerun the setup cells before `upto`."""
        from nbclient.exceptions import DeadKernelError
        from nbclient.util import ensure_async

        if self.expired.is_set() or self.restarts == MAX_RESTARTS:
            raise DeadKernelError(why)
        self.restarts += 1
        self.notes.append(why + ": restarted")
        client = self.client
        await ensure_async(client.km.restart_kernel(now=True))
        client.kc.stop_channels()
        await client.async_start_new_kernel_client()
        for i, cell in enumerate(client.nb.cells[:upto]):
            if _gid(cell) == "setup":
                await client.async_execute_cell(cell, i, execution_count=client.code_cells_executed + 1)

    async def responsive(self) -> bool:
        """True when the kernel answers a trivial request within PROBE_TIMEOUT."""
        return await _request(self.client, {}, PROBE_TIMEOUT) is not None

    async def fetch(self, index: int, q) -> None:
        """Bring question q's answers out of the kernel as JSON; note why when none came."""
        from nbclient.util import ensure_async

        cell = self.client.nb.cells[index]
        names, calls = list(q.names), plan_calls(q, self.variant)
        expr = FETCH.format(json.dumps({"names": names, "calls": calls}))
        try:
            content = await _request(self.client, {"a": expr}, self.timeout)
        except KernelDied:
            cell.metadata[FETCH_KEY] = json.dumps({"error": "the kernel died while running your functions"})
            await self.restart(f"the kernel died in {q.qid}'s functions (os._exit, a crash or out of memory)",
                               index + 1)
            return
        answer = _answer_text(content)
        if content is None:
            answer = {"error": f"the answer's functions ran longer than {self.timeout} s"}
        cell.metadata[FETCH_KEY] = json.dumps(answer)  # text: nbformat would turn a dict into a node
        if content is None:
            await ensure_async(self.client.km.interrupt_kernel())
            if not await self.responsive():
                await self.restart(f"the kernel stayed busy in {q.qid}'s functions", index + 1)

    async def run(self) -> None:
        """Execute every cell; fetch answers at each test cell; restart when the kernel is lost."""
        client = self.client
        log_path = os.path.join(os.path.dirname(client.km.connection_file), "kernel.log")
        with open(log_path, "ab") as log:  # the kernel's errors: a kernel that will not start says why
            quiet = {"stdout": subprocess.DEVNULL, "stderr": log}  # stdout has only its banner
            await self._run_all(client, quiet)

    async def _run_all(self, client, quiet) -> None:
        """The cell loop of `run`, with the kernel's output streams chosen."""
        from nbclient.exceptions import DeadKernelError

        async with client.async_setup_kernel(env=self.env, **quiet):
            cells, index = client.nb.cells, 0
            while index < len(cells):
                cell, gid = cells[index], _gid(cells[index])
                try:
                    if gid in self.questions:
                        await self.fetch(index, self.questions[gid])
                    elif cell.get("cell_type") == "code":
                        await client.async_execute_cell(cell, index,
                                                        execution_count=client.code_cells_executed + 1)
                        if cell.metadata.get(REPLY_KEY, {}).get("ename") == "CellTimeout" \
                                and not await self.responsive():
                            await self.restart(f"{gid or f'cell {index}'} ignored the interrupt after "
                                               f"{self.timeout} s", index + 1)
                except (DeadKernelError, KernelDied):
                    cell.metadata.setdefault(REPLY_KEY, {"status": "error", "ename": "DeadKernelError",
                                                         "evalue": "the kernel died in this cell"})
                    await self.restart(f"the kernel died in {gid or f'cell {index}'} "
                                       "(os._exit, a crash or out of memory)", index + 1)
                index += 1


def _log_tail(km) -> str:
    """The last lines the kernel (or bwrap) wrote to stderr, for a kernel that would not start."""
    try:
        with open(os.path.join(os.path.dirname(km.connection_file), "kernel.log"), "rb") as f:
            text = f.read()[-300:].decode(errors="replace").strip()
    except OSError:
        return ""
    return f" (kernel stderr: {' '.join(text.split())})" if text else ""


def _record_reply(cell, cell_index, execute_reply) -> None:
    content = execute_reply.get("content", {})
    cell.metadata[REPLY_KEY] = {k: str(content.get(k, "")) for k in ("status", "ename", "evalue")}


def _kill(km) -> None:
    provisioner = getattr(km, "provisioner", None)
    pid = getattr(provisioner, "pid", None) or getattr(getattr(provisioner, "process", None), "pid", None)
    if pid:
        kill_tree(pid)


def execute(nb, km, env: dict, timeout: int, total_timeout: int, questions, variant,
            notes: list) -> str | None:
    """Run `nb` (answers land in test cells' metadata); None, or why execution stopped early."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from nbclient.util import run_sync

    client = _client_class()(
        nb, km=km, timeout=timeout, allow_errors=True, interrupt_on_timeout=True,
        error_on_timeout={"ename": "CellTimeout", "evalue": f"cell ran longer than {timeout} s",
                          "traceback": []},
        shutdown_kernel="immediate", record_timing=False, on_cell_executed=_record_reply)
    expired, done = threading.Event(), threading.Event()

    def watchdog():
        if not done.wait(total_timeout):
            expired.set()
            _kill(km)

    threading.Thread(target=watchdog, daemon=True).start()
    runner = _Runner(client, env, expired, notes, timeout, questions, variant)
    try:
        run_sync(runner.run)()
    except DeadKernelError as e:
        return (f"the notebook ran longer than {total_timeout} s in total; its kernel was stopped"
                if expired.is_set() else f"{e}; no restarts left")
    except CellTimeoutError:
        return f"a cell ran longer than {timeout} s"
    except (asyncio.CancelledError, Exception) as e:  # nbclient refusing the notebook stops only this one
        return f"could not run the notebook: {type(e).__name__}: {e}{_log_tail(km)}"[:600]
    finally:
        done.set()
        _kill(km)  # nbclient leaves a kernel it did not start running
        with contextlib.suppress(Exception):
            run_sync(km.shutdown_kernel)(now=True)
        if client.cut:
            notes.append(f"output beyond {OUTPUT_BYTES >> 20} MiB was dropped")
    return None
