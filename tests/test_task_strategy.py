"""The task is an object chosen once, not a name compared: every layer's table of task
strategies covers every task, each task round-trips through ``--task`` and a run's recorded
identity, and no module but :mod:`merbench.data.task` compares a task by its name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch

from merbench.base.errors import MerbenchError
from merbench.data.task import TASK_NAMES, TASKS, AUTask, EmotionTask, Task, parse_task, stored_task
from merbench.results.manifest import PREDICTIONS_FILE
from merbench.runner.task_run import TASK_RUNS, task_run
from merbench.training.objective import OBJECTIVES, objective_for

ROOT = Path(__file__).resolve().parents[1]
PARSED_IN = ROOT / "merbench" / "data" / "task.py"  # the one module that reads a task's name


def test_every_table_of_task_strategies_covers_every_task() -> None:
    kinds = {type(task) for task in TASKS}
    assert len(kinds) == len(TASKS) == len(set(TASK_NAMES))
    assert set(OBJECTIVES) == kinds
    assert set(TASK_RUNS) == kinds


@pytest.mark.parametrize("task", TASKS, ids=TASK_NAMES)
def test_a_task_is_parsed_and_read_back_from_its_identity_as_itself(task: Task) -> None:
    assert parse_task(task.name, None) == task
    recorded = task.identity(lambda: "0123456789abcdef")
    assert stored_task({} if recorded is None else {"task": recorded}) == task


@pytest.mark.parametrize("task", TASKS, ids=TASK_NAMES)
def test_each_task_has_an_objective_over_its_outputs(task: Task) -> None:
    objective = objective_for(task)
    n_outputs = task.n_outputs(n_classes=3)
    logits = torch.randn(5, n_outputs, requires_grad=True)
    y = torch.tensor([0, 1, 2, 1, 0])  # a class each, or AU bits within the outputs'
    loss = objective.mean_loss(logits, y)
    loss.backward()
    assert loss.shape == () and torch.isfinite(loss) and logits.grad is not None
    assert objective.per_sample_loss(logits, y).shape == y.shape
    decided = objective.decide(logits.detach())
    assert decided.dtype == torch.int64 and decided.shape == y.shape


@pytest.mark.parametrize("task", TASKS, ids=TASK_NAMES)
def test_each_task_ends_its_runs_in_files_of_its_own(task: Task) -> None:
    strategy = task_run(task)
    assert strategy.predictions_file.endswith(".csv")
    others = [t for t in TASKS if t is not task]
    assert all(strategy.record.result_file != task_run(other).record.result_file
               for other in others)
    assert all(strategy.predictions_file != task_run(other).predictions_file
               for other in others)


def test_only_the_emotion_task_keeps_every_identity_and_option_as_it_was() -> None:
    """The emotion task records nothing in a run's identity (so every emotion run's hash is
    as before tasks existed) and refuses no option; the AU task records its set."""
    emotion, au = parse_task("emotion", None), parse_task("au", "1,4")
    assert isinstance(emotion, EmotionTask) and emotion.identity(lambda: "x") is None
    assert task_run(emotion).predictions_file == PREDICTIONS_FILE
    assert au == AUTask((1, 4)) and au.n_outputs(7) == 2
    assert au.identity(lambda: "h") == {"name": "au", "au_set": [1, 4], "labels": "h"}


@pytest.mark.parametrize(("name", "au_set", "said"), [
    ("emotion", "1,4", "add --task au"),
    ("valence", None, "is no task"),
    ("au", "1,x", "no AU number"),
])
def test_a_task_that_cannot_be_is_refused_where_it_is_parsed(name: str, au_set: str | None,
                                                             said: str) -> None:
    with pytest.raises(MerbenchError, match=said):
        parse_task(name, au_set)


@pytest.mark.parametrize("recorded", [{"name": "valence"}, {"name": "au"}, "au", ["au"]])
def test_an_identity_naming_no_known_task_is_refused(recorded: object) -> None:
    with pytest.raises(MerbenchError, match=r"identity\.task (names|has no)"):
        stored_task({"task": recorded})


def _names_a_task(node: ast.expr) -> bool:
    """A task name spelt out (``"au"``), a constant naming one, or an ``is_au`` flag."""
    if isinstance(node, ast.Constant):
        return node.value in TASK_NAMES
    if isinstance(node, ast.Name):
        return node.id in {"AU", "EMOTION"}
    return isinstance(node, ast.Attribute) and node.attr == "is_au"


def task_name_comparisons(path: Path, root: Path = ROOT) -> list[str]:
    """Every place in ``path`` that asks which task a run has: a comparison of a task name,
    an ``is_au`` flag, or an ``isinstance`` against a task class."""
    found = []
    tasks = {type(task).__name__ for task in TASKS}
    for node in ast.walk(ast.parse(path.read_text())):
        asks = False
        if isinstance(node, ast.Compare):
            asks = any(_names_a_task(part) for side in (node.left, *node.comparators)
                       for part in ast.walk(side))  # a tuple compared holds names too
        elif isinstance(node, ast.Attribute):
            asks = node.attr == "is_au"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id == "isinstance" and len(node.args) == 2:
            asks = any(isinstance(n, ast.Name) and n.id in tasks
                       for n in ast.walk(node.args[1]))
        if asks:
            found.append(f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_module_but_the_task_s_own_asks_which_task_a_run_has() -> None:
    found = [line for path in sorted((ROOT / "merbench").rglob("*.py")) if path != PARSED_IN
             for line in task_name_comparisons(path)]
    assert not found, ("ask the task (merbench.data.task) or its layer's strategy "
                       "(objective_for, task_run) instead:\n" + "\n".join(found))


def test_the_check_sees_each_way_of_asking_the_task(tmp_path: Path) -> None:
    asking = tmp_path / "asking.py"
    asking.write_text('x = plan.task.is_au\n'
                      'if spec.task == "au":\n    pass\n'
                      'y = (kind, n) != (AU, 2)\n'
                      'z = isinstance(task, (EmotionTask, AUTask))\n'
                      'fine = spec.model == "ststnet" or identity.task is None\n')
    found = task_name_comparisons(asking, tmp_path)
    assert [line.split(":")[1] for line in found] == ["1", "2", "4", "5"]
