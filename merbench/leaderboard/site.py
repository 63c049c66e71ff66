"""Rendering the static site: each kind's pages, and the index.

Every kind's pages, the emotion benchmarks' first, come from its section in
:data:`merbench.leaderboard.kind_tables.KIND_SECTIONS`, in one loop; the index then shows
each kind's part in turn, then each kind's table of runs.

The pages are plain files with their CSS and script inline, so they work from ``file://``
and from any static host, and load nothing from the network. Everything that comes from a
result file or a benchmark definition reaches the page through jinja2's autoescaping, and
before that through the environment's ``finalize`` hook, which every ``{{ }}`` of every
template passes, attributes included: there :func:`merbench.base.literal.literal` shows control,
bidirectional and invisible characters as escapes (so a name cannot reverse the words after
it), and the results folders' absolute paths become their names (:class:`PagePaths`).
Links are emitted only for http(s) URLs; and each page's Content-Security-Policy allows no
script but the page's own (by hash), so even a string that slipped through could not run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from merbench.base.atomic import TEMP_SUFFIX, current_umask, remove_leftovers, temp_prefix
from merbench.base.errors import MerbenchError
from merbench.leaderboard.audit_badges import TrustedKeys
from merbench.leaderboard.audit_gate import AuditGate
from merbench.leaderboard.benchmarks import load_benchmarks
from merbench.leaderboard.kind_section import KindSection
from merbench.leaderboard.kind_tables import kind_sections
from merbench.leaderboard.page_environment import page_environment, trust_keys
from merbench.leaderboard.page_views import PagePaths
from merbench.leaderboard.result_walk import Rejected
from merbench.leaderboard.site_record import (
    recorded_files,
    refuse_foreign,
    write_record,
    written_files,
)
from merbench.leaderboard.site_swap import build_lock, restore_aside, swap_in
from merbench.results.out_folders import refuse_system_place
from merbench.results.result_files import SITE_MARKER
from merbench.results.safe_files import entry_kind
from merbench.verification.validation_record import said_now


@dataclass(frozen=True)
class BuildReport:
    """What a build produced, for the command line to print."""

    out: Path
    benchmarks: int  # the benchmark definitions it was given
    rejected: list[Rejected]
    #: how many results each kind's pages publish, by the name of one
    #: (``KindSection.counted_as``), in the order of :data:`KIND_SECTIONS`
    published: dict[str, int] = field(default_factory=dict)
    written: bool = True  # False: --strict found a rejected file, and ``out`` is as it was
    held_back: int = 0  # results --require-audit left out: no audit a trusted key signed
    summaries_held_back: int = 0  # summaries over seeds it left out: none is itself audited

    @property
    def lead(self) -> tuple[str, int]:
        """The first kind's count (the emotion runs), which the build's last line says
        even when it is none."""
        return next(iter(self.published.items()))

    @property
    def others(self) -> dict[str, int]:
        """The other kinds' counts, which that line says where they are some."""
        return dict(list(self.published.items())[1:])


@dataclass(frozen=True)
class Rendered:
    """What :func:`render_site` published of each kind, and rejected."""

    rejected: list[Rejected]
    published: dict[str, int]


def _check_out(out: Path, folders: list[Path]) -> None:
    """Refuse to replace a folder merbench did not write, or one holding the results, or a
    site merbench built that holds files its build did not write (a user's, put there
    since: the build replaces the whole folder)."""
    out_resolved = out.resolve()
    for folder in folders:
        folder_resolved = Path(folder).resolve()
        if out_resolved == folder_resolved or out_resolved in folder_resolved.parents \
                or folder_resolved in out_resolved.parents:
            raise MerbenchError(f"--out {out} overlaps --results {folder}; write the site to "
                                "a separate folder such as site/")
    refuse_system_place(out, example="site")
    if out.exists() and not out.is_dir():
        raise MerbenchError(f"--out {out} is {entry_kind(out)}; choose a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / SITE_MARKER).exists():
        raise MerbenchError(f"--out {out} holds files that merbench did not write; choose an "
                            "empty or new folder")
    if out.is_dir() and (files := recorded_files(out)) is not None:
        refuse_foreign(out, files)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def render_site(sections: Sequence[KindSection[Any]], out: Path,
                trusted: TrustedKeys | None = None, folders: Sequence[Path] = (),
                strict: bool = False, gate: AuditGate | None = None) -> Rendered:
    """Write every page of the site into the (empty) folder ``out``: each kind's of
    ``sections``, found under the results ``folders`` (which the pages name by their names,
    never by where they lie), then the index. Audits count when signed by a key in
    ``trusted`` (None: none counts); ``gate``: what is published (default: everything).
    Returns how many results of each kind it published, and the files rejected.
    ``strict``: every file checked as ``merbench validate`` checks it, a tuning's trials
    included (``leaderboard build --strict``)."""
    env = page_environment(PagePaths(folders))
    trust_keys(env, trusted or {})
    gate = gate or AuditGate(trusted or {})
    parts: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    published: dict[str, int] = {}
    for section in sections:  # each kind's pages, then its parts of the index
        found, refused = section.find(folders, gate, strict)
        shown = section.render(env, found, out)
        parts.append({"index_part": section.index_part, "runs_part": section.runs_part,
                      "view": shown.view})
        rejected += refused + shown.rejected
        published[section.counted_as] = shown.published
    _write(out / "index.html", env.get_template("index.html").render(
        root="", sections=parts, validated=said_now(), rejected=rejected))
    write_record(out)
    return Rendered(rejected, published)


def build_site(results: list[Path], out: Path,
               benchmarks_dir: Path | None = None,
               trusted: TrustedKeys | None = None, strict: bool = False,
               require_audit: bool = False) -> BuildReport:
    """Validate the results, then write the site to ``out`` in one step (a failed build
    leaves the previous site as it was). ``benchmarks_dir`` None: the shipped benchmarks;
    ``trusted``: the keys whose signed audits count (None: none); ``strict``: every file
    checked as ``merbench validate`` checks it, and nothing written where one is rejected
    (a job that deploys the folder whatever the exit status must not publish a site that
    passes over a rejected file); ``require_audit``: only results whose audit a trusted key
    signed are published (:mod:`merbench.leaderboard.audit_gate`)."""
    out = Path(out)
    keys: TrustedKeys = trusted or {}
    gate = AuditGate(keys, require_audit)  # refused before any work without --trust
    _check_out(out, results)
    benchmarks = load_benchmarks(benchmarks_dir)
    try:  # before any result is read: a refusal comes first, and alone
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # FileExistsError: a file stands where a folder must be
        why = f"{exc.filename} is a file" if isinstance(exc, FileExistsError) else exc.strerror
        raise MerbenchError(f"--out {out} cannot be created ({why}); choose a folder you can "
                            "write to") from None
    with build_lock(out):  # a second build into this folder waits for the first
        restore_aside(out)  # a build killed inside the two-rename swap
        _check_out(out, results)  # what another build left there is checked again
        remove_leftovers(out.parent)  # staging folders of builds that were killed
        staging = Path(tempfile.mkdtemp(prefix=temp_prefix(out), suffix=TEMP_SUFFIX,
                                        dir=out.parent))
        try:
            rendered = render_site(kind_sections(benchmarks), staging, trusted, results,
                                   strict, gate)
            rejected = rendered.rejected
            written = not (strict and rejected)
            if written:
                # mkdtemp makes it private; a site is for reading, as the umask allows
                os.chmod(staging, 0o777 & ~current_umask())
                if out.is_dir() and recorded_files(out) is None and any(out.iterdir()):
                    refuse_foreign(out, written_files(staging), older=True)  # an older site
                swap_in(staging, out)
            else:
                shutil.rmtree(staging, ignore_errors=True)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return BuildReport(out=out, benchmarks=len(benchmarks), rejected=rejected,
                       published=rendered.published, written=written,
                       held_back=gate.held_back,
                       summaries_held_back=gate.summaries_held_back)
