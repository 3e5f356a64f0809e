"""Earlier versions of the packaged scenarios, kept so that old transcripts still replay.

A transcript records its scenario's id, version and :meth:`~trustkit.scenario.Scenario.content_hash`
(the hash of the *mechanics*: nodes, options, effects, conditions, facts; not the prose). A
prose fix keeps the hash, so nothing is needed. A mechanics change must bump the scenario's
``version``; every version the package ships is kept, byte for byte, under the hash it had
when it was archived::

    trustkit/data/scenarios/archive/<scenario id>/<version>-<content hash>.yaml

:func:`trustkit.engine.replay` replays a transcript whose hash is not the installed scenario's
against the archived file recorded under that hash (:func:`find`). The hash in the file name is
the one transcripts carry, so a transcript still finds its version after the hash's own
definition changes (a new field in the scenario format); the replay then checks every turn's
trust, as always, so a version that no longer plays the same fails with its reason. When the
definition changes, ``make release`` records the same file under its new hash as well.

``make release`` archives the versions it ships (``python -m trustkit.versions``: from a git
checkout, the scenario files as last committed). ``python -m trustkit.versions --check`` (and
``tests/test_versions.py``) report, in one sentence naming the file, a scenario whose mechanics
changed under a version already shipped: bump its ``version``.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from trustkit._resources import data_path
from trustkit.errors import TrustkitError

ARCHIVE = ("scenarios", "archive")
_NAME = re.compile(r"^(?P<version>\d+(?:\.\d+){0,2})-(?P<hash>[0-9a-f]{64})\.yaml$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class Archived:
    """One archived version of a scenario: its version and the hash transcripts of it carry."""

    scenario_id: str
    version: str
    content_hash: str
    name: str

    @property
    def source(self) -> str:
        return f"trustkit/data/{'/'.join(ARCHIVE)}/{self.scenario_id}/{self.name}"


def archived(scenario_id: str) -> list[Archived]:
    """The archived versions of ``scenario_id`` (none: an empty list), in file-name order."""
    if not _ID.match(scenario_id):
        return []
    folder = data_path(*ARCHIVE, scenario_id)
    if not folder.is_dir():
        return []
    out = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        m = _NAME.match(entry.name)
        if m:
            out.append(Archived(scenario_id, m["version"], m["hash"], entry.name))
    return out


@cache
def _archived_class() -> type:
    """A Scenario whose content hash is the one recorded in the archive's file name."""
    from pydantic import PrivateAttr

    from trustkit.scenario import Scenario

    class ArchivedScenario(Scenario):
        _recorded: str = PrivateAttr(default="")

        def content_hash(self) -> str:
            return self._recorded or super().content_hash()

    return ArchivedScenario


@cache
def _load(scenario_id: str, name: str, recorded: str = ""):  # -> Scenario
    from trustkit import loading
    from trustkit.scenario import read_yaml, validate

    parts = (*ARCHIVE, scenario_id, name)
    source = loading.packaged_source(*parts)
    data, lines = read_yaml(loading.read_resource(data_path(*parts), source), source)
    sc = validate(data, lines, source).scenario
    if recorded and sc.content_hash() != recorded:  # the hash's definition changed since
        sc = _archived_class().model_validate(sc.model_dump())
        sc._recorded = recorded
    return sc


def find(scenario_id: str, content_hash: object):  # -> Scenario | None
    """The archived version of ``scenario_id`` recorded under ``content_hash``.

    ``None`` when there is none, or when that file no longer loads (it is then reported by
    :func:`problems`, never raised here: a replay simply fails as before).
    """
    if not isinstance(content_hash, str) or not re.fullmatch(r"[0-9a-f]{64}", content_hash):
        return None
    for entry in archived(scenario_id):
        if entry.content_hash != content_hash:
            continue
        try:
            sc = _load(scenario_id, entry.name, content_hash)
        except TrustkitError:
            continue
        if sc.id == scenario_id:
            return sc
    return None


def _current(scenario_id: str):  # -> Scenario
    from trustkit.scenario import load_packaged

    return load_packaged(scenario_id).scenario


def problems(ids: list[str] | None = None) -> list[str]:
    """Every reason the archive and the packaged scenarios disagree, one sentence each."""
    from trustkit.scenario import packaged_ids

    found: list[str] = []
    for sid in ids or packaged_ids():
        try:
            sc = _current(sid)
        except TrustkitError as exc:
            found.append(str(exc))
            continue
        bumped = False
        for entry in archived(sid):
            try:
                old = _load(sid, entry.name)
            except TrustkitError as exc:
                found.append(f"{entry.source}: no longer loads ({exc}).")
                continue
            if old.id != sid or old.version != entry.version:
                found.append(
                    f"{entry.source}: holds '{old.id}' version {old.version}, not what its name "
                    "says."
                )
            elif old.version == sc.version and old.content_hash() != sc.content_hash():
                bumped = True
        if bumped:
            found.append(
                f"trustkit/data/scenarios/{sid}.yaml: its mechanics changed since version "
                f"{sc.version} was shipped; bump 'version' (the archive keeps {sc.version} for "
                "the transcripts made with it)."
            )
    return found


def _shipped(scenario_id: str) -> bytes | None:
    """The scenario file as shipped: as last committed when the package runs from a git
    checkout (None if it was never committed), else the installed file."""
    import shutil
    import subprocess

    from trustkit.loading import packaged_source, read_resource

    parts = ("scenarios", f"{scenario_id}.yaml")

    def installed() -> bytes:
        return read_resource(data_path(*parts), packaged_source(*parts))

    repo = Path(__file__).resolve().parents[1]
    if not (repo / ".git").exists() or shutil.which("git") is None:
        return installed()
    try:
        proc = subprocess.run(
            ["git", "-C", str(repo), "show", f"HEAD:trustkit/data/scenarios/{scenario_id}.yaml"],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return installed()
    return proc.stdout if proc.returncode == 0 and proc.stdout else None


def archive_current(ids: list[str] | None = None, folder: Path | None = None) -> list[str]:
    """Archive every shipped scenario version under its current hash, unless it already is;
    return the new file names (``<id>/<version>-<hash>.yaml``). Never rewrites a file.

    Shipped means committed: from a git checkout the file as of ``HEAD`` is archived (an
    author's uncommitted draft is not a version anyone played), otherwise the installed file.
    Archived files already there are also recorded under the current definition of the hash,
    if it changed. ``folder`` is the archive folder to write (default: the package's own).
    """
    from trustkit import loading
    from trustkit.scenario import packaged_ids, read_yaml, validate

    target = folder or Path(str(data_path(*ARCHIVE)))
    added = []

    def keep(sid: str, raw: bytes, source: str) -> None:
        try:
            data, lines = read_yaml(raw, source)
            sc = validate(data, lines, source).scenario
        except TrustkitError:
            return  # a broken file is lint's to report; it was never a playable version
        dest = target / sid / f"{sc.version}-{sc.content_hash()}.yaml"
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(raw)
            added.append(f"{sid}/{dest.name}")

    for sid in ids or packaged_ids():
        for entry in archived(sid) if folder is None else []:
            keep(
                sid,
                loading.read_resource(data_path(*ARCHIVE, sid, entry.name), entry.source),
                entry.source,
            )
        raw = _shipped(sid)
        if raw is not None:  # None: a new scenario nobody has committed yet
            keep(sid, raw, f"trustkit/data/scenarios/{sid}.yaml")
    return added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m trustkit.versions",
        description="Archive the shipped scenario versions, so old transcripts still replay.",
    )
    parser.add_argument("--check", action="store_true", help="only report; write nothing")
    args = parser.parse_args(argv)
    try:
        if args.check:
            found = problems()
            for line in found:
                print(line, file=sys.stderr)
            if not found:
                print("scenario archive: every shipped version is consistent.")
            return 1 if found else 0
        added = archive_current()
    except (TrustkitError, OSError) as exc:
        print(f"versions: {exc}", file=sys.stderr)
        return 1
    print(f"scenario archive: {len(added)} new version(s) kept" + (":" if added else "."))
    for name in added:
        print(f"  {name}")
    for line in problems():
        print(f"warning: {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
