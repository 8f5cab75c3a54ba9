"""The course in a real browser: JupyterLab + Debian's chromium, driven by Playwright.

For every notebook: open it, run all cells, and require no error output, no uncaught
browser error, every widget rendered; then move one dashboard's slider with the
keyboard, wait until the kernel reports the final value drawn, and require a new figure.
Then axe-core (the npm package, installed on first use into `.artifacts/axe/`, which git
ignores) runs inside the page over the kit's own content -- rendered Markdown and cell
outputs, dashboards included, not JupyterLab's menus and editors -- and every serious or
critical WCAG 2.1 A/AA violation fails the test; the counts go to `.artifacts/axe/report.json`.
The landing page START.ipynb is checked the same way, and its first link must open notebook 01.
A screenshot of the page is saved under `.artifacts/screenshots/` when a check fails.
Without chromium (outside CI) the tests are skipped with one line saying how to install
it; under CI (CI=true) its absence is a failure.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / ".artifacts" / "screenshots"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
RUN_TIMEOUT_MS = 240_000  # a notebook's run-all, real-Go cells included, on 2 busy cores
AXE_VERSION = "4.14.1"  # axe-core from the npm registry, pinned so that a rule change is a deliberate update
AXE_DIR = ROOT / ".artifacts" / "axe"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]  # WCAG 2.1 level A and AA rules

pytestmark = pytest.mark.browser


def _require() -> None:
    reason = None
    if not Path(CHROMIUM).exists():
        reason = "chromium not found: sudo apt-get install chromium (browser tests skipped)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright not installed: pip install playwright (browser tests skipped)"
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe.min.js, installed with npm into .artifacts/axe on first use (never committed)."""
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            reason = "npm not found: sudo apt-get install npm (the accessibility checks need axe-core)"
            if os.environ.get("CI") == "true":
                pytest.fail(reason)
            pytest.skip(reason)
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund",
                        f"axe-core@{AXE_VERSION}"], check=True, timeout=600, stdout=subprocess.DEVNULL)
    return script


def axe_violations(page, script: Path) -> list[dict]:
    """Serious and critical axe-core violations in the open notebook's Markdown and outputs."""
    page.add_script_tag(path=str(script))
    return page.evaluate("""async (tags) => {
        const panel = '.jp-NotebookPanel:not(.lm-mod-hidden) ';
        const include = [[panel + '.jp-MarkdownOutput'], [panel + '.jp-OutputArea-output']]
            .filter(s => document.querySelector(s[0]) !== null);
        const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']};
        const r = await axe.run({include}, options);
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
            id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
            nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' :: ' + n.html.slice(0, 160))}));
    }""", AXE_TAGS)


def report_axe(name: str, violations: list[dict]) -> None:
    """Add this page's violation counts to .artifacts/axe/report.json (the number in the notes)."""
    path = AXE_DIR / "report.json"
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    report = json.loads(path.read_text()) if path.exists() else {}
    report[name] = {"serious+critical": sum(v["count"] for v in violations),
                    "rules": {v["id"]: v["count"] for v in violations}}
    path.write_text(json.dumps(report, indent=1, sort_keys=True))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a free port with a token, and a headless chromium; always shut down."""
    _require()
    from playwright.sync_api import sync_playwright

    tmp = tmp_path_factory.mktemp("lab")
    course = tmp / "course"
    shutil.copytree(ROOT / "notebooks", course / "notebooks", ignore=shutil.ignore_patterns("src"))
    if (ROOT / "exercises").is_dir():
        shutil.copytree(ROOT / "exercises", course / "exercises")
    if (ROOT / "START.ipynb").is_file():
        shutil.copy(ROOT / "START.ipynb", course / "START.ipynb")
    settings = tmp / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"), GOSTACK_KIT_HOME=str(tmp / "home"),
               MPLBACKEND="module://matplotlib_inline.backend_inline")
    log = open(tmp / "server.log", "w")  # noqa: SIM115 - closed in the finally below
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={course}",
         "--LabApp.expose_app_in_browser=True", "--allow-root",
         f"--FileCheckpoints.checkpoint_dir={tmp / 'checkpoints'}"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    pw = browser = None
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start: {(tmp / 'server.log').read_text()[-2000:]}")
            time.sleep(0.5)
        pw = sync_playwright().start()
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield {"base": base, "token": token, "browser": browser, "course": course}
    finally:
        with contextlib.suppress(Exception):
            if browser:
                browser.close()
        with contextlib.suppress(Exception):
            if pw:
                pw.stop()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


class Page:
    """A notebook open in JupyterLab, with the browser errors it produced."""

    def __init__(self, lab, path: str):
        self.page = lab["browser"].new_page(viewport={"width": 1400, "height": 1000})
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        self.name = path.replace("/", "_")
        # a workspace of its own, so that tabs opened by earlier tests are not restored here
        workspace = "w" + secrets.token_hex(4)
        self.page.goto(f"{lab['base']}/lab/workspaces/{workspace}/tree/{path}?token={lab['token']}")
        self.page.wait_for_selector(".jp-Notebook", state="attached", timeout=90_000)
        self.page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.commands.hasCommand('notebook:run-all-cells')",
            timeout=60_000)
        self.page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)

    def run_all(self) -> None:
        """Clear outputs, run every cell, and wait until each code cell has run and the kernel is idle."""
        self.page.evaluate("""async () => {
            const nb = window.jupyterapp.shell.currentWidget;
            await nb.sessionContext.ready;
            await window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs');
        }""")
        self.start_run_all()
        self.page.wait_for_function("""() => {
            const nb = window.jupyterapp.shell.currentWidget;
            const cells = nb.content.model.cells;
            for (let i = 0; i < cells.length; i++) {
                const c = cells.get(i);
                if (c.type === 'code' && !c.executionCount) return false;
            }
            const k = nb.sessionContext.session && nb.sessionContext.session.kernel;
            return k !== null && k.status === 'idle';
        }""", timeout=RUN_TIMEOUT_MS, polling=1000)

    def start_run_all(self) -> None:
        """Once the kernel is connected, start running every cell (returns without waiting)."""
        self.page.evaluate("""async () => {
            const nb = window.jupyterapp.shell.currentWidget;
            await nb.sessionContext.ready;
            for (let i = 0; i < 240; i++) {  // up to a minute for the kernel to connect
                const k = nb.sessionContext.session && nb.sessionContext.session.kernel;
                if (k && k.connectionStatus === 'connected' && k.status === 'idle') break;
                await new Promise(r => setTimeout(r, 250));
            }
            window.jupyterapp.commands.execute('notebook:run-all-cells');
        }""")

    def error_outputs(self) -> list[str]:
        """Tracebacks in the notebook's outputs (from the notebook model) and anywhere on the page."""
        found = self.page.evaluate("""() => {
            const nb = window.jupyterapp.shell.currentWidget.content.model;
            const out = [];
            for (let i = 0; i < nb.cells.length; i++) {
                const c = nb.cells.get(i);
                if (c.type !== 'code') continue;
                for (const o of c.outputs.toJSON())
                    if (o.output_type === 'error') out.push(`cell ${i}: ${o.ename}: ${o.evalue}`);
            }
            return out;
        }""")
        if "Traceback (most recent call last)" in self.text():
            found.append("a traceback is shown on the page")
        return found

    def text(self) -> str:
        """The visible text of the notebook being tested."""
        return self.page.inner_text(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")

    def shot(self) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{self.name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.page.evaluate("() => window.jupyterapp.commands.execute('kernelmenu:shutdown')")
        self.page.close()


def _src_hash(page, selector: str) -> str:
    return hashlib.sha1(page.get_attribute(selector, "src").encode()).hexdigest()


def _readout_moved(control, initial: str, seconds: float = 5.0) -> str:
    """The slider's readout once it differs from `initial`, or `initial` after `seconds`.

    A key press moves the handle at once but the readout is redrawn a little later.
    """
    deadline = time.monotonic() + seconds
    while True:
        readout = control.locator(".widget-readout").inner_text().strip()
        if readout != initial or time.monotonic() > deadline:
            return readout
        time.sleep(0.1)


def move_first_slider(page) -> tuple[str, str]:
    """Move the first dashboard's first slider with the keyboard; wait until that value is drawn."""
    board = ".gostack-dashboard >> nth=0"
    page.locator(board).scroll_into_view_if_needed()
    control = page.locator(f"{board} >> .widget-slider:has(.noUi-handle) >> nth=0")
    name = next(c[len("gostack-ctl-"):] for c in control.get_attribute("class").split()
                if c.startswith("gostack-ctl-"))
    before = _src_hash(page, f"{board} >> .gostack-figure")
    status = page.locator(f"{board} >> .gostack-status")
    start = status.inner_text()
    handle = control.locator(".noUi-handle")
    initial = control.locator(".widget-readout").inner_text().strip()
    # one key press: to the slider's minimum, or to its maximum if it starts at the minimum. (Home
    # on a slider already at its minimum, then End, could lose the End to the echo of the first.)
    at_min = float(handle.get_attribute("aria-valuenow")) <= float(handle.get_attribute("aria-valuemin"))
    handle.focus()
    handle.press("End" if at_min else "Home")
    readout = _readout_moved(control, initial)
    if re.fullmatch(r"-?[\d,]+(\.\d+)?", readout):  # a plain number: the drawn value must equal it
        page.wait_for_function("""([name, readout]) => {
            const s = document.querySelector('.gostack-dashboard .gostack-status');
            if (!s) return false;
            const m = s.textContent.match(new RegExp('\\\\b' + name + '=([^,\\\\s]+)'));
            return m !== null && parseFloat(m[1]) === parseFloat(readout.replace(/,/g, ''));
        }""", arg=[name, readout], timeout=60_000)
    else:  # a label with units ("64 MiB"): wait for a new drawn value that stays put
        deadline, last, since = time.monotonic() + 60, start, time.monotonic()
        while time.monotonic() < deadline:
            now = status.inner_text()
            if now != last:
                last, since = now, time.monotonic()
            elif now != start and time.monotonic() - since > 2.0:
                break
            time.sleep(0.25)
        assert last != start, f"moving {name} never redrew the dashboard"
    after, deadline = _src_hash(page, f"{board} >> .gostack-figure"), time.monotonic() + 10
    while after == before and time.monotonic() < deadline:  # the image may land after the status
        time.sleep(0.2)
        after = _src_hash(page, f"{board} >> .gostack-figure")
    assert after != before, f"moving {name} to {readout} did not change the figure"
    return name, readout


@pytest.mark.skipif(not NOTEBOOKS, reason="no built notebooks in notebooks/")
@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_in_a_real_browser(lab, axe_script, nb):
    page = Page(lab, f"notebooks/{nb.name}")
    try:
        page.run_all()
        assert page.error_outputs() == []
        text = page.text()
        assert "Loading widget" not in text, "a widget did not render"
        assert page.page.locator(".gostack-dashboard").count() >= 1, "no dashboard in this notebook"
        move_first_slider(page.page)
        assert [e for e in page.errors if "favicon" not in e] == []
        violations = axe_violations(page.page, axe_script)
        report_axe(nb.stem, violations)
        assert violations == [], json.dumps(violations, indent=1)
    except BaseException:
        print(f"screenshot: {page.shot()}")
        raise
    finally:
        page.close()


EXERCISE = ROOT / "exercises" / "05-copying-stacks.ipynb"
ANSWER = ("first_growth_depth = ContiguousStack('1.27').run(\n"
          "    CallTrace.recursion(88, 600, entry_used=192)).growths[0].depth\n")


@pytest.mark.skipif(not EXERCISE.exists(), reason="no exercise notebooks in exercises/")
def test_answer_an_exercise_and_check_it(lab):
    page = Page(lab, f"exercises/{EXERCISE.name}")
    try:
        page.page.evaluate("""(answer) => {
            const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
            for (let i = 0; i < cells.length; i++) {
                const c = cells.get(i);
                const nbg = c.getMetadata ? c.getMetadata('nbgrader') : c.metadata.nbgrader;
                if (nbg && nbg.grade_id === 'q1_answer') c.sharedModel.setSource(answer);
            }
        }""", ANSWER)
        page.start_run_all()
        page.page.wait_for_function("""() => {
            const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
            for (let i = 0; i < cells.length; i++) {
                const c = cells.get(i);
                const nbg = c.getMetadata ? c.getMetadata('nbgrader') : c.metadata.nbgrader;
                if (!nbg || nbg.grade_id !== 'q1') continue;
                const text = JSON.stringify(c.outputs.toJSON());
                return text.includes('1 of 1 visible checks passed');
            }
            return false;
        }""", timeout=RUN_TIMEOUT_MS, polling=1000)
        assert "\u2705" in page.text()  # the check mark of a passed case
    except BaseException:
        print(f"screenshot: {page.shot()}")
        raise
    finally:
        page.close()


@pytest.mark.skipif(not (ROOT / "START.ipynb").exists(), reason="no START.ipynb landing page")
def test_start_page_is_accessible_and_leads_to_notebook_01(lab, axe_script):
    page = Page(lab, "START.ipynb")
    try:
        violations = axe_violations(page.page, axe_script)
        report_axe("START", violations)
        assert violations == [], json.dumps(violations, indent=1)
        link = page.page.locator(".jp-MarkdownOutput a[href*='/notebooks/01-address-space.ipynb']").first
        link.click()
        page.page.wait_for_function("""() => {
            const w = window.jupyterapp.shell.currentWidget;
            return w && w.context && w.context.path === 'notebooks/01-address-space.ipynb';
        }""", timeout=60_000)
    except BaseException:
        print(f"screenshot: {page.shot()}")
        raise
    finally:
        page.close()
