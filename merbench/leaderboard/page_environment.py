"""The page templates' environment: what every template may call and how every value is
shown. Autoescaped, with jinja2's ``finalize`` hook showing every ``{{ }}`` value literally
(:func:`merbench.base.literal.literal`: control, bidirectional and invisible characters as
escapes) and the results folders by their names (:class:`PagePaths`); links only for http(s)
URLs (:func:`safe_url`); the page's own script and its Content-Security-Policy hash
(:func:`page_script`); the audit badges counting the keys a build trusts
(:func:`trust_keys`); and the small formatters the rows use (durations, devices, column ids).
:mod:`merbench.leaderboard.site` renders the pages with it.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import json
import re
from datetime import datetime, timezone
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from merbench import __version__
from merbench.base.errors import MerbenchError
from merbench.base.literal import literal
from merbench.leaderboard.audit_badges import (
    TrustedKeys,
    audit_badge,
    audit_lines,
    results_badge,
)
from merbench.leaderboard.benchmarks import METRIC_LABELS
from merbench.leaderboard.collect import Group
from merbench.leaderboard.page_views import PagePaths, slug
from merbench.results.audited_files import run_folder

_URL = re.compile(r"https?://[^\s<>\"']+")


def safe_url(value: object) -> str | None:
    """``value`` if it is an http(s) URL with a host and nothing that could break out of an
    attribute; None otherwise (the text is then shown, not linked)."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or any(c.isspace() or ord(c) < 32 for c in url) or any(c in url for c in "<>\"'`\\"):
        return None
    if literal(url) != url:  # a bidi or invisible character: the link would not say where
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def paper_url(citation: object) -> str | None:
    """The first http(s) link in a model's citation text, if it is safe to link."""
    if not isinstance(citation, str):
        return None
    match = _URL.search(citation)
    return safe_url(match.group(0).rstrip(".,;)")) if match else None


CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "huggingface.co")


def link_label(url: str) -> str:
    """What a model's citation link is, said on its row: a code repository is "code" (the
    timm models cite timm's repository, which a "paper" link mislabelled), else "paper"."""
    host = url.split("//", 1)[-1].split("/", 1)[0].lower().removeprefix("www.")
    return "code" if host in CODE_HOSTS else "paper"


def colid(scope: str, metric: str) -> str:
    """A column's id (``samm-uf1``): what the sort script and #sort= links name it by."""
    return f"{slug(scope)}-{slug(metric)}"


def duration(seconds: float | None) -> str:
    """Run times people read at a glance: ``54 min 09 s``, ``1 h 05 min``."""
    if seconds is None:
        return "—"
    seconds = float(seconds)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _group_helpers() -> dict[str, Any]:
    def devices(group: Group) -> str:
        """The devices, as short as they stay clear: "cuda (NVIDIA H100 80GB HBM3)" took
        four lines of a narrow column; its GPU's name says it is CUDA."""
        def short(device: str) -> str:
            name = device.partition(" (")[2].removesuffix(")") if " (" in device else device
            return name.removeprefix("NVIDIA ") or device
        return ", ".join(sorted({short(str(r.results.environment.device))
                                 for r in group.runs}))

    def precisions(group: Group) -> str:
        """The arithmetic each row trained in (fp32, bf16, tf32), shown for every row: a
        precision is part of a run's identity, and the GPU rows may train in bf16 once the
        precision study decides (benchmarks/README.md)."""
        return ", ".join(sorted({str(r.results.precision or "fp32") for r in group.runs}))

    def mean_time(group: Group) -> float:
        return sum(float(r.results.run_time_s) for r in group.runs) / len(group.runs)

    def latest_date(group: Group) -> str:
        return max(str(r.results.created)[:10] for r in group.runs)

    def versions(group: Group) -> list[str]:
        found = set()
        for run in group.runs:
            env = run.results.environment
            commit = env.git_commit
            found.add(f"{env.merbench}" + (f" ({str(commit)[:7]})" if commit else ""))
        return sorted(found)

    def record_fields(record: Any) -> dict[str, Any]:
        """A record's fields by name, for a page that lists them all (``dictsort``)."""
        return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}

    return {"devices": devices, "precisions": precisions, "mean_time": mean_time,
            "latest_date": latest_date, "versions": versions, "record_fields": record_fields}


def page_script() -> tuple[str, str]:
    """The inline script and its CSP hash, so the policy allows exactly this script."""
    text = resources.files("merbench.leaderboard").joinpath("templates/page.js").read_text()
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return text, f"sha256-{digest}"


def trust_keys(env: Any, keys: TrustedKeys) -> None:
    """The pages' audit badges and lists, counting audits signed by ``keys`` (none: every
    audit is only claimed)."""
    env.globals.update(audit_badge=lambda group: audit_badge(group, keys),
                       results_badge=lambda audited, parts="folds": results_badge(
                           audited, keys, parts),
                       audit_lines=lambda run: audit_lines(
                           run_folder(run.checked.run_dir, run.results), keys),
                       run_badge=lambda run: results_badge(
                           [run_folder(run.checked.run_dir, run.results)], keys),
                       au_run_badge=lambda run: results_badge(
                           [run_folder(run.path, run.results)], keys))


@functools.lru_cache(maxsize=1)
def _compiled_templates() -> Any:
    """The templates as jinja2 compiled them, kept for the process: every build makes an
    environment of its own (its folders' names, its keys, its date), and compiling the
    templates again was most of a small build's CPU (0.6 of 0.8 s for a site of one run;
    the suite builds about a hundred). A template is compiled again when its source
    changes (jinja2 checks each kept one against the source's checksum); every environment
    that reads these is :func:`page_environment`'s, with the same compiling options."""
    import jinja2  # deferred, as in page_environment

    class Kept(jinja2.BytecodeCache):
        def __init__(self) -> None:
            self.compiled: dict[str, tuple[str, Any]] = {}

        def load_bytecode(self, bucket: Any) -> None:
            checksum, code = self.compiled.get(bucket.key, (None, None))
            if checksum == bucket.checksum:  # code objects are immutable: shared as they are
                bucket.code = code

        def dump_bytecode(self, bucket: Any) -> None:
            self.compiled[bucket.key] = (bucket.checksum, bucket.code)

    return Kept()


def page_environment(paths: PagePaths | None = None) -> Any:
    """The templates' environment: autoescaped, and every ``{{ }}`` value shown literally
    with the results folders named as ``paths`` names them (the module's docstring)."""
    try:  # deferred: jinja2, needed only to build pages, and if missing the one line below
        import jinja2
    except ImportError:  # pragma: no cover - jinja2 is a dependency
        raise MerbenchError("building the leaderboard needs jinja2: pip install jinja2") from None
    from jinja2.utils import htmlsafe_json_dumps  # deferred with jinja2
    from markupsafe import Markup  # deferred with jinja2, whose dependency it is

    shown = paths or PagePaths()

    def finalize(value: Any) -> Any:
        """What every ``{{ }}`` prints, before autoescaping: here, and not in each template,
        so that no template, attribute or title can forget it. Markup (a macro's output, the
        SVG drawn in Python, ``|safe``, ``|tojson``) is HTML already: escaping it again would
        show its tags, so it only has any hidden character shown as an escape, which adds
        nothing but ASCII letters and digits to it."""
        if isinstance(value, Markup):
            return Markup(literal(str(value)))
        return literal(shown(str(value)))

    def tojson(value: Any, indent: int | None = None) -> Any:
        """jinja2's ``tojson``, with the folders named as on the rest of the page; and
        ``ensure_ascii`` said, not assumed, so a hidden character shows as ``\\u202e``."""
        return htmlsafe_json_dumps(shown.tree(value), dumps=json.dumps, indent=indent,
                                   sort_keys=True, ensure_ascii=True)

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("merbench.leaderboard", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, finalize=finalize,
        bytecode_cache=_compiled_templates(),
    )
    env.filters["tojson"] = tojson
    script, script_hash = page_script()
    style = resources.files("merbench.leaderboard").joinpath("templates/style.css").read_text()
    env.globals.update(
        safe_url=safe_url, paper_url=paper_url, link_label=link_label, colid=colid,
        duration=duration,
        metric_label=lambda m: METRIC_LABELS.get(m, m),
        metric_cols=lambda bench: [colid(c.scope, m) for c in bench.columns
                                   for m in bench.metrics],
        script=Markup(script), script_hash=script_hash, style=Markup(style),
        build={"version": __version__,
               "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")},
        **_group_helpers(),
    )
    trust_keys(env, {})  # a build that trusts keys says so (site.render_site)
    return env
