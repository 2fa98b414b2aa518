"""Parameter sweeps: evaluate a question over a grid, in-process, on a process pool or on Dask.

A *question* is a named, module-level function ``params -> dict of outputs`` (names, not
closures, so that worker processes and Dask workers can import it). The grid is the cartesian
product of the given values, split into chunks (one task per chunk: on 2 cores per-task overhead
dominates sub-millisecond tasks unless they are chunked, performance-ceilings.md §6). The result is
a pandas DataFrame with one row per grid point: the parameters, then the outputs.

Engines: ``workers=None`` runs in-process; ``workers=N`` uses
``concurrent.futures.ProcessPoolExecutor(N)``; ``scheduler="tcp://host:port"`` submits to a Dask
cluster through ``distributed.Client`` (optional extra ``accord[dask]``, imported lazily).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

SCHEMA_SWEEP = "accord.detect.sweep/v1"


# -- questions ------------------------------------------------------------------------------------


def q_sample(
    population: int,
    defects: int,
    sample: int,
    item_detection: float = 1.0,
    years: int = 1,
) -> dict[str, Any]:
    """Hypergeometric detection probability, within ``years`` and expected years to detection."""
    from .sampling import detection_probability, expected_years_to_detection, within_years

    # Raw values: the validators reject 1.5 (int() would silently make it 1).
    p = detection_probability(population, defects, sample, item_detection=item_detection)
    return {
        "probability": p,
        "probability_within_years": within_years(p, years),
        "expected_years_to_detection": expected_years_to_detection(p),
    }


def q_sample_size(
    population: int, defects: int, confidence: float, item_detection: float = 1.0
) -> dict[str, Any]:
    """Exact smallest sample and the IAEA approximation."""
    from .sampling import iaea_sample_size, sample_size

    exact = sample_size(population, defects, confidence, item_detection=item_detection)
    approx = iaea_sample_size(population, defects, confidence, item_detection=item_detection)
    return {"exact": exact, "iaea_approximation": min(math.ceil(approx - 1e-9), int(population))}


def q_cusum(k: float, h: float, shift: float = 0.0, two_sided: bool = False) -> dict[str, Any]:
    """Average run length of Page's CUSUM."""
    from .measurement import cusum_arl

    value: object = two_sided
    if isinstance(value, str) or value not in (0, 1):  # true/false parse to bools; 2 is a mistake
        raise InputError(f"must be true or false, got {two_sided!r}", field="two_sided")
    return {"arl": cusum_arl(k, h, shift, two_sided=bool(two_sided))}


def q_recursive(periods: int, inspections: int) -> dict[str, Any]:
    """Value of the Dresher game."""
    from .games.recursive import solve_recursive_game

    v = solve_recursive_game(periods, inspections).value
    return {"value": f"{v.numerator}/{v.denominator}", "value_float": float(v)}


def q_upload(
    missiles: int,
    uploaded: int,
    inspections: int,
    item_detection: float = 1.0,
    years: int = 1,
) -> dict[str, Any]:
    """Pooled RV-inspection model: ``uploaded`` of ``missiles`` carry extra warheads, one missile
    examined per inspection, ``inspections`` a year (distinct missiles within a year), so more
    inspections than missiles examine them all: the sample is min(inspections, missiles)."""
    from . import _check

    N = _check.integer("missiles", missiles, low=1)
    k = _check.integer("inspections", inspections, low=0)
    return q_sample(N, uploaded, min(k, N), item_detection, years)


#: How each question computes its outputs (the ``method`` of the sweep's JSON).
QUESTION_METHODS: dict[str, str] = {
    "sample": "exact",
    "sample-size": "exact",
    "cusum": "markov-chain",
    "recursive": "exact",
    "upload": "exact",
}

QUESTIONS: dict[str, Callable[..., dict[str, Any]]] = {
    "sample": q_sample,
    "sample-size": q_sample_size,
    "cusum": q_cusum,
    "recursive": q_recursive,
    "upload": q_upload,
}


def _recursive_work(point: Mapping[str, Any]) -> int:
    """The work of the exact Dresher solution of one grid point: states × periods (each state's
    fractions grow with the periods). 0 for a bad point: it fails on its own, with its own error."""
    from .games.recursive import _state_count

    try:
        n, m = int(point["periods"]), int(point["inspections"])
    except (KeyError, TypeError, ValueError, OverflowError):
        return 0
    return _state_count(n, min(max(m, 0), n)) * n if n > 0 else 0


#: The work of one grid point, for the questions whose points can each cost seconds, and the most a
#: whole sweep may do: that of the largest single evaluation (the recursive game: 100,000 states at
#: 447 periods, a few seconds), so no grid runs for hours.
QUESTION_WORK: dict[str, tuple[Callable[[Mapping[str, Any]], int], int]] = {
    "recursive": (_recursive_work, 100_000 * 447),
}


def check_work(question: str | Callable[..., dict[str, Any]], points: Sequence[Mapping[str, Any]]) -> None:
    """A one-line InputError when the points of a costly question add up to more work than its
    largest single evaluation."""
    name, _ = _resolve(question)
    if name not in QUESTION_WORK:
        return
    work, limit = QUESTION_WORK[name]
    total = 0
    for p in points:
        total += work(p)
        if total > limit:
            raise InputError(f"the grid needs more exact work than the largest single {name} evaluation "
                             "(a few seconds) in all; narrow it", field="grid")


# -- grid -----------------------------------------------------------------------------------------


def parse_values(spec: str, *, field: str) -> list[Any]:
    """``"1,2,5"``, ``"1:10"`` (inclusive), ``"0:1:0.25"`` or mixtures → a list of numbers
    (ints where whole); ``true``/``false`` → booleans."""
    out: list[Any] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            raise InputError(f"empty value in {spec!r}", field=field)
        if part.lower() in ("true", "false"):
            out.append(part.lower() == "true")
            continue
        if ":" in part:
            bits = part.split(":")
            if len(bits) not in (2, 3):
                raise InputError(f"a range is start:stop or start:stop:step, got {part!r}", field=field)
            start, stop = (_number(b, field) for b in bits[:2])
            step = _number(bits[2], field) if len(bits) == 3 else 1
            if not all(math.isfinite(x) for x in (start, stop, step)):
                raise InputError(f"a range needs finite numbers, got {part!r}", field=field)
            if step <= 0:
                raise InputError(f"the step must be positive in {part!r}", field=field)
            count = math.floor((stop - start) / step + 1e-9) + 1
            if count < 1:
                raise InputError(f"empty range {part!r}", field=field)
            if count > 1_000_000:
                raise InputError(f"range {part!r} has more than a million values", field=field)
            out.extend(_tidy(start + i * step) for i in range(count))
        else:
            out.append(_number(part, field))
    return out


def _number(text: str, field: str) -> Any:
    try:
        x = float(text)
    except ValueError:
        raise InputError(f"not a number: {text!r}", field=field) from None
    return _tidy(x)


def _tidy(x: float) -> Any:
    x = round(x, 12)
    return int(x) if float(x).is_integer() else x


#: Most grid points a sweep evaluates (the product of the value counts), so work and memory stay bounded.
MAX_POINTS = 1_000_000


def grid_points(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """The cartesian product of the grid, in order (last parameter varies fastest)."""
    if not grid:
        raise InputError("the grid is empty", field="grid")
    names = list(grid)
    for n in names:
        if len(grid[n]) == 0:
            raise InputError("no values", field=n)
    size = math.prod(len(grid[n]) for n in names)
    if size > MAX_POINTS:
        raise InputError(f"{' × '.join(str(len(grid[n])) for n in names)} = {size:,} points, more than "
                         f"{MAX_POINTS:,}", field="grid")
    return [dict(zip(names, combo, strict=False)) for combo in itertools.product(*(grid[n] for n in names))]


def check_grid_names(question: str | Callable[..., dict[str, Any]], grid: Mapping[str, Any]) -> None:
    """Every grid variable is a parameter of ``question`` and every parameter it needs is in the
    grid: else a one-line InputError naming the variable (never the function's own TypeError).
    A callable question that takes ``**kwargs`` checks its own names."""
    import inspect

    name, fn = _resolve(question)
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    what = f"the {name} question" if name else "the question"
    takes = ", ".join(params)
    for key in grid:
        if key not in params:
            raise InputError(f"{what} takes no {key!r} (it takes {takes})", field=key)
    missing = [p for p, info in params.items() if info.default is inspect.Parameter.empty and p not in grid]
    if missing:
        raise InputError(f"{what} needs {' and '.join(missing)}: give "
                         + " and ".join(f"--grid {m}=VALUES" for m in missing), field="grid")


# -- engines --------------------------------------------------------------------------------------


def _resolve(question: str | Callable[..., dict[str, Any]]) -> tuple[str | None, Callable[..., dict[str, Any]]]:
    if callable(question):
        return None, question
    try:
        return question, QUESTIONS[question]
    except KeyError:
        raise InputError(
            f"unknown question {question!r}; choose one of {', '.join(QUESTIONS)}", field="question"
        ) from None


def run_chunk(
    question: str | Callable[..., dict[str, Any]], points: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Evaluate one chunk of grid points (runs in a worker)."""
    _, fn = _resolve(question)
    rows = []
    for p in points:
        try:
            out = fn(**p)
        except TypeError as err:
            raise InputError(f"bad parameters for this question: {err}", field="grid") from None
        rows.append({**p, **out})
    return rows


def _chunks(points: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    return [points[i : i + size] for i in range(0, len(points), size)]


def run_sweep(
    question: str | Callable[..., dict[str, Any]],
    grid: Mapping[str, Sequence[Any]],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    chunk_size: int | None = None,
) -> pd.DataFrame:
    """Evaluate ``question`` at every point of ``grid`` and return a DataFrame.

    ``workers`` > 1: local process pool; ``scheduler``: address of a Dask scheduler (or pass a
    connected ``distributed.Client`` as ``client``); neither: in-process. Rows come back in grid
    order whatever the engine.
    """
    import pandas as pd

    name, fn = _resolve(question)
    check_grid_names(question, grid)
    points = grid_points(grid)
    check_work(question, points)
    if workers is not None and workers < 1:
        raise InputError("must be at least 1", field="workers")
    if workers is not None and scheduler is not None:
        raise InputError("choose --workers or --scheduler, not both", field="scheduler")
    payload: Any = name if name is not None else fn
    parallel = (workers or 1) > 1 or scheduler is not None or client is not None
    n_tasks = (workers or 2) * 4 if parallel else 1
    size = chunk_size or max(1, math.ceil(len(points) / n_tasks))
    chunks = _chunks(points, size)
    if scheduler is not None or client is not None:
        rows = _run_dask(payload, chunks, scheduler, client)
    elif workers is not None and workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(run_chunk, [payload] * len(chunks), chunks))
        rows = [r for part in parts for r in part]
    else:
        rows = run_chunk(payload, points)
    return pd.DataFrame(rows)


def _run_dask(
    payload: Any, chunks: list[list[dict[str, Any]]], scheduler: str | None, client: Any
) -> list[dict[str, Any]]:
    own = client is None
    if own:
        try:
            from distributed import Client
        except ImportError:
            raise InputError(
                "Dask is not installed; install the extra: pip install 'accord[dask]'",
                field="scheduler",
            ) from None
        try:
            client = Client(scheduler, timeout="10s")  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError) as err:
            raise InputError(f"cannot reach the Dask scheduler {scheduler!r}: {err}", field="scheduler") from None
    try:
        futures = client.map(run_chunk, [payload] * len(chunks), chunks, pure=False)
        parts = client.gather(futures)
    finally:
        if own:
            client.close()
    return [r for part in parts for r in part]


def sweep_rows(df: pd.DataFrame) -> Iterable[dict[str, Any]]:
    """DataFrame rows as plain dicts (for the renderer)."""
    return df.to_dict(orient="records")  # type: ignore[return-value]


# -- the result -----------------------------------------------------------------------------------


def engine_name(workers: int | None, scheduler: str | None, client: Any = None) -> str:
    """Which engine :func:`run_sweep` uses for these arguments."""
    if scheduler is not None or client is not None:
        return "dask"
    return "process-pool" if (workers or 1) > 1 else "in-process"


@dataclass(frozen=True, eq=False)
class SweepResult:
    """A sweep: the question, its grid, one row per grid point (parameters, then outputs), how
    the rows were computed and on which engine. ``inputs`` are fixed inputs that name what was
    swept (for a scenario: the scenario, agreement, party and date)."""

    question: str
    grid: Mapping[str, Sequence[Any]]
    frame: pd.DataFrame
    method: str
    engine: str
    inputs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def parameters(self) -> list[str]:
        """The grid variables, in grid order."""
        return list(self.grid)

    @property
    def outputs(self) -> list[str]:
        """The computed columns."""
        return [c for c in self.frame.columns if c not in self.grid]

    @property
    def varying(self) -> list[str]:
        """The grid variables that take more than one value."""
        return [p for p in self.grid if len(self.grid[p]) > 1]

    @property
    def assumptions(self) -> tuple[str, ...]:
        """What a reader needs to judge the rows."""
        what = self.inputs.get("scenario")
        name = f"'{what}' scenario" if what else f"'{self.question}' question"
        return (f"Each row is evaluated by the {name} ({self.method}); see docs/detection.md.",)

    def rows(self) -> list[dict[str, Any]]:
        """One plain dict per grid point."""
        return list(sweep_rows(self.frame))

    def to_frame(self) -> pd.DataFrame:
        """The rows as a DataFrame: parameters, then outputs."""
        return self.frame

    def to_json(self) -> dict[str, Any]:
        """The ``accord.detect.sweep/v1`` object."""
        return {"schema": SCHEMA_SWEEP, "question": self.question, **self.inputs,
                "grid": {k: list(v) for k, v in self.grid.items()}, "rows": self.rows(), "method": self.method,
                "engine": self.engine, "assumptions": list(self.assumptions)}


def sweep(
    question: str | Callable[..., dict[str, Any]],
    grid: Mapping[str, Sequence[Any]],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    chunk_size: int | None = None,
    label: str | None = None,
    method: str | None = None,
    inputs: Mapping[str, Any] | None = None,
) -> SweepResult:
    """:func:`run_sweep`, wrapped in a :class:`SweepResult`. A named question's ``label`` and
    ``method`` are its own; a callable question needs them."""
    name, _ = _resolve(question)
    label = label or name
    method = method or (QUESTION_METHODS[name] if name else None)
    if label is None or method is None:
        raise ValueError("a callable question needs a label and a method")
    df = run_sweep(question, grid, workers=workers, scheduler=scheduler, client=client, chunk_size=chunk_size)
    return SweepResult(label, dict(grid), df, method, engine_name(workers, scheduler, client), dict(inputs or {}))
