"""A sandbox for one submission's kernel: bubblewrap, no network, its own folder, limits.

    grader --ipc sockets in WORK--> bwrap [new pid/net/ipc/uts namespaces]
                                      /usr /lib ... python, site-packages, the kit   read-only
                                      WORK (a copy of the submission)                 read-write
                                      /tmp                                            private tmpfs
                                      prlimit: address space, processes, file size
                                      python -m ipykernel_launcher -f WORK/kernel.json

The kernel talks to the grader over Unix sockets in WORK (jupyter_client transport
"ipc"): with no network namespace of its own there is no TCP to reach, and a loopback
connection from inside goes nowhere. Stopping a kernel kills the pid namespace's init,
which ends every process the submission started (`--die-with-parent` covers a grader
that dies). When the grader runs as root the kernel runs as an unused uid of its own
(setpriv), because Linux does not apply RLIMIT_NPROC to root and counts it per uid.
Without bwrap, or where namespaces are forbidden, `available()` says why and the grader
runs the kernel unsandboxed. The rejected alternative, a container per submission, needs
a daemon and an image the instructor may not have.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager as KernelManager

__all__ = ["Limits", "available", "bwrap_argv", "SandboxedKernelManager", "kernel_manager"]

UID_BASE = 200_000  # as root, each kernel runs as its own unused uid from here (its RLIMIT_NPROC is its own)
SYSTEM_DIRS = ("/usr", "/bin", "/lib", "/lib64", "/lib32", "/sbin")  # read-only, for python and libc
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "passwd", "group",
             "nsswitch.conf", "fonts", "alternatives", "mime.types")  # what python, numpy, matplotlib read
PROBE_TIMEOUT = 20  # s for the one-off check that bwrap can make namespaces here


class Limits:
    """Per-kernel limits: address space, processes, size of any one file written."""

    memory = 2 << 30  # bytes of address space: a kernel with numpy and matplotlib maps about 1 GiB
    processes = 128  # processes of the sandbox's user: the kernel needs about 20 threads
    file_size = 64 << 20  # bytes per written file, in the private scratch or the work copy


def _bound_paths(kit_dir: Path) -> list[str]:
    """Folders python needs (its prefix, the venv, site-packages) and the kit package, outermost only."""
    paths = {Path(sys.base_prefix), Path(sys.prefix), kit_dir}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        paths.add(Path(sysconfig.get_paths()[key]))
    paths |= {Path(p) for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()}
    real = sorted({str(p.resolve()) for p in paths if p.exists()})
    return [p for p in real if not any(p != q and p.startswith(q + "/") for q in real)]


def sandbox_uid() -> int:
    """The uid a root grader's kernel runs as: one per grading process, so limits are not shared."""
    return UID_BASE + os.getpid() % 100_000


def bwrap_argv(workdir: Path, kit_dir: Path, env: dict, limits=Limits) -> list[str]:
    """The bwrap command line (up to the kernel's own argv) for one submission."""
    root = os.geteuid() == 0
    argv = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    if not root:
        argv += ["--unshare-user", "--cap-drop", "ALL"]
    argv += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"]
    for d in SYSTEM_DIRS:
        argv += ["--ro-bind-try", d, d]
    for f in ETC_FILES:
        argv += ["--ro-bind-try", f"/etc/{f}", f"/etc/{f}"]
    binds = _bound_paths(kit_dir)
    parents = sorted({str(q) for p in [*binds, str(workdir)] for q in Path(p).parents
                      if str(q) not in ("/", "/tmp") and not any(str(q) == d or str(q).startswith(d + "/")
                                                                for d in SYSTEM_DIRS)},
                     key=lambda q: q.count("/"))
    for q in parents:  # bwrap makes missing mount points 0700, which nobody cannot enter
        argv += ["--perms", "0755", "--dir", q]
    for p in binds:
        argv += ["--ro-bind", p, p]
    argv += ["--bind", str(workdir), str(workdir), "--chdir", str(workdir), "--clearenv"]
    for k, v in sorted(env.items()):
        argv += ["--setenv", k, v]
    argv.append("--")
    if root:
        uid = sandbox_uid()
        argv += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]
    return argv + ["prlimit", f"--as={limits.memory}", f"--nproc={limits.processes}",
                   f"--fsize={limits.file_size}", "--core=0", "--"]


def kernel_env(kit_dir: Path, extra: dict) -> dict:
    """The whole environment of a sandboxed kernel: nothing of the grader's leaks in."""
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
           "PYTHONPATH": str(kit_dir.parent), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "PYTHONDONTWRITEBYTECODE": "1", "GOSTACK_KIT_GRADING": "1"}
    return {**env, **extra}


def _children(pid: int) -> list[int]:
    """The child pids of `pid` (Linux /proc)."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


def kill_tree(pid: int) -> None:
    """SIGKILL `pid` after its children: for a sandboxed kernel, the whole pid namespace goes."""
    for child in _children(pid):
        with contextlib.suppress(OSError):
            os.kill(child, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)


class SandboxedKernelManager(KernelManager):
    """A KernelManager whose kernel starts inside bwrap and is interrupted by message."""

    workdir: Path
    kit_dir: Path
    sandbox_env: dict

    def format_kernel_cmd(self, extra_arguments=None):
        """bwrap ... -- python -m ipykernel_launcher -f WORK/kernel.json."""
        kernel = super().format_kernel_cmd(extra_arguments)
        return bwrap_argv(self.workdir, self.kit_dir, self.sandbox_env) + kernel

    async def _async_kill_kernel(self, restart: bool = False) -> None:
        """Kill the sandbox's pid-namespace init first: that ends every process the submission started."""
        pid = getattr(self.provisioner, "pid", None)
        if pid:
            for child in _children(pid):  # bwrap's child is the namespace's init
                with contextlib.suppress(OSError):
                    os.kill(child, signal.SIGKILL)
        await super()._async_kill_kernel(restart=restart)

    _kill_kernel = _async_kill_kernel

    def write_connection_file(self, **kw):
        """The connection file, readable by the kernel's uid when the grader is root."""
        super().write_connection_file(**kw)
        if os.geteuid() == 0:
            os.chown(self.connection_file, sandbox_uid(), sandbox_uid())


def kernel_manager(workdir: Path, sandbox: bool, extra_env: dict):
    """A kernel manager on ipc sockets in `workdir`, sandboxed or not; the env the kernel gets."""
    import gostack_kit

    kit_dir = Path(gostack_kit.__file__).resolve().parent
    cls = SandboxedKernelManager if sandbox else KernelManager
    km = cls(kernel_name="python3", transport="ipc", ip=str(workdir / "kernel"),
             connection_file=str(workdir / "kernel.json"))
    km.kernel_spec.interrupt_mode = "message"  # a SIGINT to bwrap would not reach the kernel
    if sandbox:
        km.workdir, km.kit_dir = workdir, kit_dir
        km.sandbox_env = kernel_env(kit_dir, extra_env)
        if os.geteuid() == 0:
            os.chown(workdir, sandbox_uid(), sandbox_uid())
        return km, {}
    env = {**os.environ, **extra_env, "GOSTACK_KIT_GRADING": "1"}
    for name in ("GOSTACK_KIT_HOME", "GOSTACK_KIT_SECRET", "GOSTACK_KIT_SECRET_FILE"):
        env.pop(name, None)  # the kernel gets the student's key, never the course secret
    return km, env


@functools.lru_cache(maxsize=1)
def available() -> str | None:
    """None when bwrap can sandbox a process here, else the reason it cannot."""
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux (this is {sys.platform})"
    if shutil.which("bwrap") is None:
        return "bwrap is not installed (Debian: apt-get install bubblewrap)"
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        return "setpriv (util-linux) is missing, needed to drop root in the sandbox"
    probe = ["bwrap", "--unshare-pid", "--unshare-net", "--die-with-parent"]
    probe += [] if os.geteuid() == 0 else ["--unshare-user"]
    for d in SYSTEM_DIRS:
        probe += ["--ro-bind-try", d, d]
    try:
        done = subprocess.run([*probe, "--", "true"], capture_output=True, text=True, timeout=PROBE_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"bwrap could not run: {e}"
    if done.returncode != 0:
        return f"bwrap cannot create namespaces here: {done.stderr.strip()[:200]}"
    return None
