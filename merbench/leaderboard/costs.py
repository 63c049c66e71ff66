"""What a full run of each model costs, as ``benchmarks/model_costs.py`` measured it.

A benchmark page lists the models that have no full-setting row yet with the time their row
would take, so a reader (and whoever plans the next GPU window) sees from measurement which
rows a CPU core can make and which wait for a GPU. The figures are data shipped with the
package (``model_costs.json`` beside this module, written by ``model_costs.py --write``),
measured on one machine for one dataset and protocol; a page of another benchmark shows no
cost rather than a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.results.user_files import read_user_json

COSTS_FILE = Path(__file__).resolve().parent / "model_costs.json"
SEEDS = 3  # a page's run command asks for three seeds (Benchmark.run_command)
CPU_WORK_HOURS = 2.0  # the project's rule: up to about two hours a seed on one core is CPU work


@dataclass(frozen=True)
class ModelCost:
    """One model's measured (or, on a GPU, predicted) time for a run of one seed."""

    model: str
    cpu_hours_per_seed: float | None  # on one core of ``machine``
    gpu_minutes_per_seed: float | None
    gpu_measured: bool  # False: predicted from the model's FLOPs
    gpu_source: str
    machine: str

    @property
    def cpu_work(self) -> bool:
        """Whether a CPU core makes a seed within the project's two hours."""
        return self.cpu_hours_per_seed is not None and \
            self.cpu_hours_per_seed <= CPU_WORK_HOURS

    def text(self) -> str:
        """The page's cost line: three seeds on CPU cores and on a GPU."""
        parts = []
        if self.cpu_hours_per_seed is not None:
            parts.append(f"CPU: {_hours(self.cpu_hours_per_seed)} a seed on one core"
                         f" ({'CPU work' if self.cpu_work else 'GPU work'})")
        if self.gpu_minutes_per_seed is not None:
            how = "measured" if self.gpu_measured else "predicted from FLOPs"
            parts.append(f"GPU: about {_minutes(self.gpu_minutes_per_seed)} a seed ({how})")
        return "; ".join(parts) or "not measured"


def _hours(hours: float) -> str:
    return f"{hours * 60:.0f} min" if hours < 1 else f"{hours:.1f} h"


def _minutes(minutes: float) -> str:
    return f"{minutes:.1f} min" if minutes < 10 else f"{minutes:.0f} min"


@dataclass(frozen=True)
class CostTable:
    """The figures of one measurement: for which dataset and protocol, on which machine."""

    dataset: str
    protocol: str
    folds: int
    machine: str
    models: dict[str, ModelCost]

    def cost(self, model: str, dataset: str, protocol: str) -> ModelCost | None:
        """``model``'s cost on a benchmark of ``dataset`` and ``protocol``; None when it was
        not measured there (another dataset's folds have other sizes)."""
        if (dataset, protocol) != (self.dataset, self.protocol):
            return None
        return self.models.get(model)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else None


def parse_costs(data: dict[str, Any]) -> CostTable:
    """A cost table from ``model_costs.json``'s document (schema version 1)."""
    machine_info = data.get("machine") or {}
    machine = f"{machine_info.get('cpu', 'a CPU')}, torch {machine_info.get('torch', '?')}"
    folds = int(data.get("folds", 0))
    models = {}
    for name, entry in (data.get("models") or {}).items():
        seconds = _number(entry.get("gpu_s_per_fold"))
        source = str(entry.get("gpu_source", ""))
        models[name] = ModelCost(
            model=name, cpu_hours_per_seed=_number(entry.get("cpu_h_per_seed")),
            gpu_minutes_per_seed=None if seconds is None else seconds * folds / 60,
            gpu_measured=source.startswith("measured"), gpu_source=source, machine=machine)
    return CostTable(dataset=str(data.get("dataset", "")),
                     protocol=str(data.get("protocol", "loso")), folds=folds,
                     machine=machine, models=models)


def load_costs(path: Path | None = None) -> CostTable | None:
    """The shipped cost table (or ``path``'s); None when there is none or it cannot be read,
    so a page without figures still builds and says "not measured"."""
    path = COSTS_FILE if path is None else path
    try:
        data = read_user_json(path, "cost table")
    except MerbenchError:
        return None
    if not isinstance(data, dict) or data.get("schema_version") != 1:
        return None
    try:
        return parse_costs(data)
    except (TypeError, ValueError, AttributeError):
        return None
