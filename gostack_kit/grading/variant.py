"""A variant per student: each question's numbers from the student's identity and a course secret.

    identity ("alice")  --+
                          +--> key = HMAC-SHA256(secret, identity)[:16 hex] --> rng per question
    course secret    ----+     (no secret: SHA-256 of the identity alone, guessable)

The key, never the secret, is what a notebook needs: the grader computes it and hands it to
the student's kernel, and an instructor can give each student theirs for their own machine
(`gostack-kit grade --key-for alice --secret-file S`, to write as STUDENT = "alice:KEY").
Where the identity comes from, first match wins: GOSTACK_KIT_STUDENT (set by the grader;
set but empty means nobody), JUPYTERHUB_USER, the student folder of an nbgrader autograde
run, then the notebook's `STUDENT = "..."` cell. No identity at all gives today's numbers
(the defaults in each question). The secret comes from `--secret`, `--secret-file`,
GOSTACK_KIT_SECRET or GOSTACK_KIT_SECRET_FILE. The rejected alternative, a random draw stored in the released
notebook, would let any student edit their own numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Variant", "DEFAULT", "key_for", "secret_from", "identify", "parse_student", "seed_for"]

ENV_STUDENT, ENV_KEY = "GOSTACK_KIT_STUDENT", "GOSTACK_KIT_KEY"
ENV_SECRET, ENV_SECRET_FILE = "GOSTACK_KIT_SECRET", "GOSTACK_KIT_SECRET_FILE"
KEY_HEX = 16  # 64 bits of key: guessing another student's key is out of reach, and it fits a cell
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")  # logins as JupyterHub and nbgrader spell them


@dataclass(frozen=True)
class Variant:
    """Whose numbers: the student (None for today's numbers), their key, and whether a secret made it."""

    student: str | None = None
    key: str = ""
    keyed: bool = False

    @property
    def default(self) -> bool:
        """True when the notebook uses today's numbers (no identity)."""
        return self.student is None


DEFAULT = Variant()


def key_for(student: str, secret: str | None) -> str:
    """The variant key of `student`: HMAC of the identity under the secret, or a plain hash without one."""
    if secret:
        return hmac.new(secret.encode(), student.encode(), hashlib.sha256).hexdigest()[:KEY_HEX]
    return hashlib.sha256(b"gostack-kit variant\0" + student.encode()).hexdigest()[:KEY_HEX]


def secret_from(secret: str | None = None, secret_file: str | None = None, env=None) -> str | None:
    """The course secret from an argument, a file, GOSTACK_KIT_SECRET or GOSTACK_KIT_SECRET_FILE; or None."""
    env = os.environ if env is None else env
    if secret:
        return secret
    path = secret_file or env.get(ENV_SECRET_FILE)
    if path:
        text = Path(path).read_text(encoding="utf-8").strip()
        if not text:
            raise ValueError(f"secret_file must hold the course secret; {path} is empty")
        return text
    return env.get(ENV_SECRET) or None


def parse_student(text) -> tuple[str | None, str]:
    """('alice', 'KEY') from 'alice:KEY', ('alice', '') from 'alice'; (None, '') when empty or malformed."""
    if type(text) is not str or not text.strip():
        return None, ""
    name, _, key = text.strip().partition(":")
    if not NAME.match(name) or (key and not re.fullmatch(f"[0-9a-f]{{{KEY_HEX}}}", key)):
        return None, ""
    return name, key


def _nbgrader_student(env) -> str | None:
    if not env.get("NBGRADER_EXECUTION"):
        return None
    parts = Path.cwd().parts  # autograde runs in autograded/<student>/<assignment>/
    if len(parts) >= 3 and parts[-3] == "autograded" and NAME.match(parts[-2]):
        return parts[-2]
    return None


def identify(ns: dict | None = None, env=None) -> Variant:
    """The variant the running notebook works on (see the module docstring for the order)."""
    env = os.environ if env is None else env
    cell_name, cell_key = parse_student((ns or {}).get("STUDENT"))
    if ENV_STUDENT in env:  # the grader decides, even when it names nobody (today's numbers)
        names = (env[ENV_STUDENT],)
    else:
        names = (env.get("JUPYTERHUB_USER"), _nbgrader_student(env), cell_name)
    for name in names:
        student, _ = parse_student(name)
        if student:
            break
    else:
        return DEFAULT
    if env.get(ENV_KEY):
        return Variant(student, env[ENV_KEY], True)
    try:
        secret = secret_from(env=env)
    except (OSError, ValueError):
        secret = None
    if secret:
        return Variant(student, key_for(student, secret), True)
    if cell_key and student == cell_name:
        return Variant(student, cell_key, True)
    return Variant(student, key_for(student, None), False)


def seed_for(variant: Variant, topic: str, qid: str) -> int:
    """The seed of one question's numbers for `variant` (numpy default_rng accepts it)."""
    digest = hashlib.sha256(f"{variant.key}\0{topic}\0{qid}".encode()).digest()
    return int.from_bytes(digest[:8], "big")
