"""``make release``: regenerate ``exercises/`` from ``solutions/`` with ``nbgrader generate_assignment``.

Usage::

    python -m trustkit.grading.release              # rewrite exercises/ in the repo
    python -m trustkit.grading.release --out DIR    # write the release into DIR instead
    python -m trustkit.grading.release --check      # exit 1 if exercises/ is out of date

nbgrader runs in a *temporary copy* of the course (the repo's ``nbgrader_config.py`` and
``solutions/``), with a throw-away SQLite gradebook, so no ``gradebook.db`` and no nbgrader
folders ever land in the repo. Saved learner work (``trustkit-work/``), checkpoints and caches
in ``solutions/`` are never copied, so an instructor's own test run cannot leak into the
student version.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from trustkit.errors import TrustkitError

REPO = Path(__file__).resolve().parents[2]
SKIP = {"trustkit-work", ".ipynb_checkpoints", "__pycache__", "gradebook.db"}


def assignments(repo: Path = REPO) -> list[str]:
    """The assignment folders in ``solutions/`` (each holds one notebook named like it)."""
    source = repo / "solutions"
    if not source.is_dir():
        raise TrustkitError(f"{source}: no solutions folder, nothing to release.")
    return sorted(p.name for p in source.iterdir() if p.is_dir() and not p.name.startswith("."))


def _ignore(_folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n in SKIP or n.endswith((".pyc", ".db")) or ".corrupt-" in n}


def prepare_course(dest: Path, repo: Path = REPO) -> Path:
    """Copy ``nbgrader_config.py`` and ``solutions/`` (without saved work) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(repo / "nbgrader_config.py", dest / "nbgrader_config.py")
    shutil.copytree(repo / "solutions", dest / "solutions", ignore=_ignore, dirs_exist_ok=True)
    return dest


def _ensure_tools_on_path() -> None:
    """nbgrader runs ``alembic`` by name: put this interpreter's bin folder first on PATH."""
    bindir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[0] != bindir:
        os.environ["PATH"] = os.pathsep.join([bindir, *parts])


def course_config(course: Path, db_url: str | None = None) -> Any:
    """The course's nbgrader config (its ``nbgrader_config.py``), rooted at ``course``."""
    from traitlets.config.loader import PyFileConfigLoader

    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    cfg.CourseDirectory.root = str(course)
    cfg.CourseDirectory.db_url = db_url or f"sqlite:///{course / 'gradebook.db'}"
    # the exchange is not needed to generate; keep nbgrader away from /srv/nbgrader/exchange
    cfg.Exchange.root = str(course / "exchange")
    return cfg


def generate_into(course: Path, names: list[str]) -> Path:
    """Run nbgrader generate_assignment for ``names`` in ``course``; return its release folder."""
    import logging

    _ensure_tools_on_path()
    from nbgrader.apps import NbGraderAPI

    (course / "exchange").mkdir(exist_ok=True)
    api = NbGraderAPI(config=course_config(course))
    api.log.setLevel(logging.ERROR)
    for name in names:
        result = api.generate_assignment(name, force=True, create=True)
        if not result.get("success"):
            detail = (result.get("error") or result.get("log") or "").strip().splitlines()
            tail = detail[-1] if detail else "no details"
            raise TrustkitError(f"solutions/{name}: nbgrader generate_assignment failed ({tail}).")
    return course / "exercises"


def generate(out: Path, repo: Path = REPO) -> list[str]:
    """Generate the release of every assignment into ``out`` (replacing what is there)."""
    names = assignments(repo)
    with tempfile.TemporaryDirectory(prefix="trustkit-release-") as tmp:
        course = prepare_course(Path(tmp) / "course", repo)
        released = generate_into(course, names)
        out.mkdir(parents=True, exist_ok=True)
        for old in out.iterdir():
            if old.is_dir() and old.name not in names:
                shutil.rmtree(old)
        for name in names:
            target = out / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(released / name, target, ignore=_ignore)
    return names


def normalised(path: Path) -> Any:
    """A notebook's JSON with volatile parts dropped, for comparing two generations."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        cell.pop("execution_count", None)
        if "outputs" in cell:
            cell["outputs"] = []
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
    return nb


def snapshot(folder: Path) -> dict[str, Any]:
    """Every file under ``folder``: notebooks normalised, other files as text or bytes."""
    out: dict[str, Any] = {}
    if not folder.is_dir():
        return out
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if any(part in SKIP for part in path.relative_to(folder).parts):
            continue
        out[rel] = normalised(path) if path.suffix == ".ipynb" else path.read_bytes()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m trustkit.grading.release",
        description="Regenerate exercises/ from solutions/ with nbgrader generate_assignment.",
    )
    parser.add_argument("--out", type=Path, help="write the release here instead of exercises/")
    parser.add_argument(
        "--check", action="store_true", help="only compare with exercises/; exit 1 if it differs"
    )
    args = parser.parse_args(argv)
    try:
        if args.check:
            with tempfile.TemporaryDirectory(prefix="trustkit-check-") as tmp:
                generate(Path(tmp), REPO)
                fresh, current = snapshot(Path(tmp)), snapshot(REPO / "exercises")
            if fresh != current:
                stale = sorted(set(fresh) ^ set(current)) or sorted(
                    k for k in fresh if fresh[k] != current.get(k)
                )
                print(f"exercises/ is out of date ({', '.join(stale)}): run `make release`.")
                return 1
            print("exercises/ is up to date.")
            return 0
        out = args.out or (REPO / "exercises")
        names = generate(out, REPO)
    except TrustkitError as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 1
    print(f"released {len(names)} assignments into {out}: {', '.join(names)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
