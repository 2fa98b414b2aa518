"""``accord detect …``: would cheating be caught? Sampling, measurement tests, games, treaty
scenarios and sweeps. Thin: parse, call :mod:`accord.detection`, render. Every result carries its
method and assumptions (JSON) or prints them under the table (footer)."""

from __future__ import annotations

import contextlib
import csv
import inspect
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..detection import scenarios
from ..detection.plots import MAX_CURVES
from ..errors import InputError
from ..render.output import Format, emit
from ._common import AccordGroup, FormatOption, new_app


def _kv_rows(values: dict[str, Any]) -> list[dict[str, Any]]:
    """Scalar figures as (quantity, value) rows; nested tables are left to JSON."""
    rows = []
    for key, value in values.items():
        if key == "states":
            continue
        rows.append({"quantity": key, "value": value})
    return rows


def _emit_result(fmt: Format, result: Any, title: str) -> None:
    emit(
        fmt,
        json_obj=result.to_json(),
        rows=_kv_rows(dict(result.values)),
        columns=["quantity", "value"],
        title=title,
        footer=result.footer(),
    )


def _float_list(text: str, field: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(f"expected comma-separated numbers, got {text!r}", field=field) from None


def read_payoff_csv(path: Path) -> list[list[float]]:
    """A payoff matrix from CSV: numbers, with an optional header row and optional row labels
    in the first column. Bad cells are InputErrors with file, line and column."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", file=str(path)) from None
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 text (byte {err.start}); save the CSV as UTF-8", file=str(path)) from None
    rows: list[list[float]] = []
    width: int | None = None
    labels: bool | None = None
    for line_no, cells in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in cells]
        if not cells or all(c == "" for c in cells):
            continue
        if not rows and line_no == _first_line(text) and not _numeric(cells[1:] if len(cells) > 1 else cells):
            continue  # header row
        if labels is None:
            labels = not _numeric(cells[:1])
        data = cells[1:] if labels else cells
        values = []
        for j, cell in enumerate(data, start=2 if labels else 1):
            try:
                values.append(float(cell))
            except ValueError:
                raise InputError(f"not a number: {cell!r}", file=str(path), line=line_no, field=f"column {j}") from None
        if width is None:
            width = len(values)
        elif len(values) != width:
            raise InputError(
                f"row has {len(values)} payoffs, expected {width}", file=str(path), line=line_no
            )
        rows.append(values)
    if not rows or not width:
        raise InputError("no payoffs found", file=str(path))
    return rows


def _first_line(text: str) -> int:
    for i, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            return i
    return 1


def _numeric(cells: list[str]) -> bool:
    try:
        [float(c) for c in cells]
    except ValueError:
        return False
    return True


def register(app: typer.Typer) -> None:
    """Add ``detect`` and its sub-commands to the main app."""
    detect_app = new_app(
        "Would cheating be caught? Detection probabilities, sample sizes, CUSUM run lengths, "
        "inspection games, treaty scenarios and sweeps — each with its method and assumptions."
    )
    game_app = new_app("Inspection games: matrix (LP), recursive (Dresher), false alarms, timeliness, allocation.")
    detect_app.add_typer(game_app, name="game")
    app.add_typer(detect_app, name="detect")

    @detect_app.command("sample")
    def sample_cmd(
        population: Annotated[int, typer.Option("--population", "-N", help="Items in the population (N).")],
        defects: Annotated[int, typer.Option("--defects", "-r", help="Defective (falsified) items (r).")],
        sample: Annotated[int, typer.Option("--sample", "-n", help="Items inspected (n).")],
        item_detection: Annotated[float, typer.Option("--item-detection", "-q",
                                                      help="P(an inspected defective item is recognised).")] = 1.0,
        false_alarm: Annotated[float, typer.Option("--false-alarm",
                                                   help="P(an inspected good item raises an alarm).")] = 0.0,
        replacement: Annotated[bool, typer.Option("--replacement", help="Sample with replacement (binomial).")] = False,
        years: Annotated[int | None, typer.Option("--years", "-T",
                                                  help="Also report detection within T yearly inspections.")] = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Detection probability of inspecting n of N items when r are defective (exact)."""
        from ..detection.sampling import sample_report

        r = sample_report(population, defects, sample, item_detection=item_detection,
                          false_alarm=false_alarm, replacement=replacement, years=years)
        _emit_result(fmt, r, "Attribute sampling")

    @detect_app.command("sample-size")
    def sample_size_cmd(
        population: Annotated[int, typer.Option("--population", "-N", help="Items in the population (N).")],
        defects: Annotated[int, typer.Option("--defects", "-r", help="Defective items to detect (r).")],
        confidence: Annotated[float, typer.Option("--confidence", "-c", help="Target detection probability.")],
        item_detection: Annotated[float, typer.Option("--item-detection", "-q",
                                                      help="P(an inspected defective item is recognised).")] = 1.0,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Smallest sample for a target detection probability: exact, and the IAEA approximation."""
        from ..detection.sampling import sample_size_report

        _emit_result(fmt, sample_size_report(population, defects, confidence, item_detection=item_detection),
                     "Sample size")

    @detect_app.command("balance")
    def balance_cmd(
        sigma: Annotated[float, typer.Option("--sigma", help="Standard deviation of the balance (MUF).")],
        false_alarm: Annotated[float, typer.Option("--false-alarm", "-a", help="False-alarm probability α.")] = 0.05,
        loss: Annotated[float | None, typer.Option("--loss", "-M", help="Loss to detect (same unit as σ).")] = None,
        detection: Annotated[float, typer.Option(
            "--detection", help="Detection probability for the smallest detectable loss.")] = 0.95,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Neyman–Pearson test of a material balance: detection probability and smallest detectable loss."""
        from ..detection.measurement import balance_report

        _emit_result(fmt, balance_report(sigma, false_alarm, loss=loss, detection=detection), "Material balance test")

    @detect_app.command("cusum")
    def cusum_cmd(
        k: Annotated[float, typer.Option("--k", help="Reference value k (in standard deviations).")],
        h: Annotated[float, typer.Option("--h", help="Decision threshold h (in standard deviations).")],
        shift: Annotated[float, typer.Option("--shift", help="Mean shift μ (in standard deviations).")] = 0.0,
        two_sided: Annotated[bool, typer.Option("--two-sided", help="Two-sided scheme.")] = False,
        method: Annotated[str, typer.Option("--method", help="markov-chain or integral-equation.")] = "markov-chain",
        per_year: Annotated[int | None, typer.Option("--observations-per-year",
                                                     help="Also report the false-alarm probability per year.")] = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Average run length of Page's CUSUM for normal observations (computed, not simulated)."""
        from ..detection.measurement import cusum_report

        if method not in ("markov-chain", "integral-equation"):
            raise InputError(f"unknown method {method!r}; use markov-chain or integral-equation", field="--method")
        _emit_result(fmt, cusum_report(k, h, shift, two_sided=two_sided, method=method,  # type: ignore[arg-type]
                                       observations_per_year=per_year), "CUSUM")

    @detect_app.command("cusum-threshold")
    def cusum_threshold_cmd(
        k: Annotated[float, typer.Option("--k", help="Reference value k.")],
        false_alarm: Annotated[float, typer.Option("--false-alarm-per-year",
                                                   help="Target false-alarm probability per year.")],
        per_year: Annotated[int, typer.Option("--observations-per-year", help="Balances (observations) per year.")],
        two_sided: Annotated[bool, typer.Option("--two-sided", help="Two-sided scheme.")] = False,
        fmt: FormatOption = Format.table,
    ) -> None:
        """The CUSUM threshold h that gives a target false-alarm probability per year."""
        from ..detection.measurement import (
            ARL_LIMIT,
            SCHEMA_CUSUM_THRESHOLD,
            cusum_arl,
            cusum_threshold,
            false_alarm_per_year,
        )
        from ..detection.result import Result
        from ..errors import ArlTooLarge

        h = cusum_threshold(k, false_alarm, per_year, two_sided=two_sided)
        notes: tuple[str, ...] = ()
        try:
            arl0: float | None = cusum_arl(k, h, 0.0, two_sided=two_sided)
        except ArlTooLarge:
            arl0 = None
            notes = (f"The in-control ARL exceeds {ARL_LIMIT:.0e} observations, beyond what can be "
                     "computed accurately; arl_in_control is null.",)
        values = {
            "k": k, "h": h, "two_sided": two_sided, "observations_per_year": per_year,
            "false_alarm_per_year_target": false_alarm,
            "false_alarm_per_year": false_alarm_per_year(k, h, per_year, two_sided=two_sided),
            "arl_in_control": arl0,
        }
        assumptions = [
            "In-control observations are independent standard normal; the CUSUM starts at zero.",
            "The yearly false-alarm probability is P(run length ≤ observations per year), from the "
            "Brook–Evans chain's run-length distribution; h is found by bisection.",
        ]
        if two_sided:
            assumptions.append("Two-sided: the upper and lower sums are treated as independent.")
        r = Result(SCHEMA_CUSUM_THRESHOLD, "markov-chain", values, tuple(assumptions), notes=notes)
        _emit_result(fmt, r, "CUSUM threshold")

    # -- games ----------------------------------------------------------------------------------

    @game_app.command("recursive")
    def recursive_cmd(
        periods: Annotated[int, typer.Option("--periods", "-n", help="Periods (n).")],
        inspections: Annotated[int, typer.Option("--inspections", "-m", help="Inspections (m).")],
        fmt: FormatOption = Format.table,
    ) -> None:
        """The recursive inspection game (Dresher; von Stengel 2016), solved exactly in fractions."""
        from ..detection.games.recursive import recursive_game_report

        r = recursive_game_report(periods, inspections)
        _emit_result(fmt, r, "Recursive inspection game")

    @game_app.command("matrix")
    def matrix_cmd(
        payoffs: Annotated[Path, typer.Argument(help="CSV of payoffs to the row player (who maximises).")],
        fmt: FormatOption = Format.table,
    ) -> None:
        """Solve a zero-sum matrix game by linear programming (HiGHS)."""
        from ..detection.games.matrix import matrix_game_report

        r = matrix_game_report(read_payoff_csv(payoffs))
        rows = [{"player": "row", "strategy": i + 1, "probability": p} for i, p in enumerate(r["row_strategy"])]
        rows += [{"player": "column", "strategy": j + 1, "probability": p} for j, p in enumerate(r["column_strategy"])]
        emit(fmt, json_obj=r.to_json(), rows=rows, columns=["player", "strategy", "probability"],
             title=f"Matrix game: value {r['value']:.6g}", footer=r.footer())

    @game_app.command("false-alarm")
    def false_alarm_cmd(
        shift: Annotated[float, typer.Option("--shift", help="Violation size in standard deviations (δ).")],
        gain: Annotated[float, typer.Option("--gain", help="Inspectee's gain from an undetected violation (d).")],
        sanction: Annotated[float, typer.Option("--sanction", help="Inspectee's loss when caught (b).")],
        false_alarm_cost: Annotated[float, typer.Option("--false-alarm-cost",
                                                        help="Inspectee's cost of a false alarm (g).")] = 0.0,
        e: Annotated[float, typer.Option("--inspector-false-alarm-cost",
                                         help="Inspector's cost of a false alarm (e).")] = 1.0,
        a: Annotated[float, typer.Option("--inspector-detected-loss",
                                         help="Inspector's loss from a detected violation (a).")] = 1.0,
        c: Annotated[float, typer.Option("--inspector-undetected-loss",
                                         help="Inspector's loss from an undetected violation (c).")] = 2.0,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Inspection game with false alarms: equilibrium α, violation probability, leadership."""
        from ..detection.games.false_alarms import false_alarm_game

        r = false_alarm_game(shift=shift, gain=gain, sanction=sanction, false_alarm_cost=false_alarm_cost,
                             inspector_false_alarm_cost=e, inspector_detected_loss=a,
                             inspector_undetected_loss=c)
        _emit_result(fmt, r, "Inspection game with false alarms")

    @game_app.command("deterrence")
    def deterrence_cmd(
        detection: Annotated[float, typer.Option("--detection", help="Detection probability.")],
        gain: Annotated[float, typer.Option("--gain", help="Gain from an undetected violation.")],
        sanction: Annotated[float, typer.Option("--sanction", help="Sanction when caught.")],
        fmt: FormatOption = Format.table,
    ) -> None:
        """Does a detection probability deter? DP ≥ gain / (gain + sanction)."""
        from ..detection.games.false_alarms import deterrence_report

        _emit_result(fmt, deterrence_report(detection, gain, sanction), "Deterrence")

    @game_app.command("timeliness")
    def timeliness_cmd(
        period: Annotated[float, typer.Option("--period", help="Length of the reference period (e.g. 1 year).")] = 1.0,
        points: Annotated[int | None, typer.Option("--points",
                                                   help="Also solve the discrete game on this grid by LP.")] = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """One interim inspection: optimal timing distribution and expected detection delay (1/e)."""
        from ..detection.games.timeliness import timeliness_report

        _emit_result(fmt, timeliness_report(period=period, points=points), "Timeliness game")

    @game_app.command("allocation")
    def allocation_cmd(
        values: Annotated[str, typer.Option("--values", help="Comma-separated value of each site to the violator.")],
        detection: Annotated[str, typer.Option("--detection",
                                               help="Comma-separated detection probability per inspected site.")],
        quota: Annotated[float, typer.Option("--quota", help="Inspections a period (at most one a site).")],
        fmt: FormatOption = Format.table,
    ) -> None:
        """Optimal randomized allocation of an inspection quota across sites (search game, LP)."""
        from ..detection.games.allocation import allocation_report

        r = allocation_report(_float_list(values, "--values"), _float_list(detection, "--detection"), quota)
        rows = [
            {"site": i + 1, "value": v, "detection": d, "inspect_probability": p, "violator_strategy": y}
            for i, (v, d, p, y) in enumerate(zip(r["values"], r["detection"], r["inspect_probability"],
                                                 r["violator_strategy"], strict=False))
        ]
        emit(fmt, json_obj=r.to_json(), rows=rows,
             columns=["site", "value", "detection", "inspect_probability", "violator_strategy"],
             title=f"Site allocation: violator's expected gain {r['value']:.6g}", footer=r.footer())

    # -- scenarios and sweeps: options generated from each scenario's Params -------------------

    scenario_app = typer.Typer(
        cls=_ScenarioGroup, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
        rich_markup_mode=None,
        help="Evaluate a violation scenario against an agreement's inspection provisions. Each scenario's "
             "options come from its parameters (docs/detection.md).",
    )
    detect_app.add_typer(scenario_app, name="scenario")
    for scenario in scenarios.registry().values():
        scenario_app.command(scenario.name, help=scenario.summary)(_scenario_command(scenario))

    @detect_app.command("sweep", epilog=_grid_help())
    def sweep_cmd(
        question: Annotated[str, typer.Argument(help="sample, sample-size, cusum, recursive, upload, or scenario "
                                                     "(followed by a scenario name).")],
        scenario: Annotated[str | None, typer.Argument(help="With 'scenario': the scenario to sweep.")] = None,
        grid: Annotated[list[str] | None, typer.Option(
            "--grid", "-g", help="NAME=VALUES, e.g. sample=1:30 or defects=1,5,10 (repeatable).")] = None,
        agreement: AgreementOption = DEFAULT_AGREEMENT,
        party: PartyOption = None,
        as_of: AsOfOption = None,
        workers: Annotated[int | None, typer.Option("--workers", "-w",
                                                    help="Run on a local process pool of N workers.")] = None,
        scheduler: Annotated[str | None, typer.Option(
            "--scheduler", help="Run on the Dask scheduler at ADDRESS (pip install 'accord[dask]').")] = None,
        plot: Annotated[Path | None, typer.Option(
            "--plot", help="Write a detection-vs-parameter plot (PNG, or PDF, SVG … by the extension).")] = None,
        x: Annotated[str | None, typer.Option(
            "--x", help="Plot x axis (default: the grid variable with the most values).")] = None,
        y: Annotated[str | None, typer.Option("--y", help="Plot y axis (default: the first output).")] = None,
        hue: Annotated[str | None, typer.Option(
            "--hue", help="One curve per value of this grid variable (default: one curve per combination of "
                          "the other varying ones).")] = None,
        cdf_plot: Annotated[Path | None, typer.Option(
            "--cdf-plot", help="sample, upload or a scenario: write the time-to-detection CDF of every grid point "
                               f"(at most {MAX_CURVES}; PNG, PDF, SVG …).")] = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Evaluate a question or a scenario over a parameter grid, in-process, on a process pool or on Dask.
        Scenario sweeps take --agreement, --party and --as-of like `detect scenario`."""
        from ..detection.sweep import QUESTIONS, parse_values, sweep

        if question != "scenario" and question not in QUESTIONS:
            raise InputError(f"unknown question {question!r}; choose one of {', '.join([*QUESTIONS, 'scenario'])}",
                             field="question")
        if (question == "scenario") != (scenario is not None):
            raise InputError("give a scenario name after 'scenario', and only there", field="scenario")
        # A scenario's text parameters (e.g. upload's spread) take comma-separated words.
        infos = scenarios.get(scenario).parameters() if scenario else ()
        words = {i.name for i in infos if i.type is str}
        takes = [i.name for i in infos] if scenario else list(inspect.signature(QUESTIONS[question]).parameters)
        # An error about a grid variable names the option that set it: "--grid sample: …".
        named = {**{t: f"--grid {t}" for t in takes}, **(_COMMON_OPTIONS if scenario else {})}
        parsed: dict[str, list[Any]] = {}
        with _options_named(named):
            for g in grid or ():
                key, sep, spec = g.partition("=")
                if not sep or not key.strip():
                    raise InputError(f"expected NAME=VALUES, got {g!r}", field="--grid")
                key = key.strip()
                if key in parsed:
                    raise InputError(f"{key} is given twice; give all its values in one --grid {key}=VALUES",
                                     field="--grid")
                parsed[key] = [w.strip() for w in spec.split(",")] if key in words else parse_values(spec, field=key)
            if not parsed:
                raise InputError("give at least one --grid NAME=VALUES", field="--grid")
            named.update({k: f"--grid {k}" for k in parsed if k not in named})
            _check_grid_names(question, scenario, parsed)
            curves = _check_plots(question, scenario, parsed, plot=plot, cdf_plot=cdf_plot, x=x, hue=hue)
            if scenario is not None:
                from ..app.scenario import sweep_scenario

                result = sweep_scenario(scenario, parsed, agreement=agreement, party=party, as_of=as_of,
                                        workers=workers, scheduler=scheduler)
            else:
                result = sweep(question, parsed, workers=workers, scheduler=scheduler)
        df = result.to_frame()
        params, outputs, varying = result.parameters, result.outputs, result.varying
        if y is not None and y not in outputs:
            raise InputError(f"{y!r} is not an output of this sweep (outputs: {', '.join(outputs)})", field="--y")
        if plot is not None and curves is not None:
            from ..detection.plots import plot_detection_curve

            plot_detection_curve(df, plot, x=curves[0], y=y or outputs[0], hue=curves[1])
        if cdf_plot is not None:
            from ..detection.plots import plot_time_to_detection_cdf
            from ..detection.sampling import within_years

            yearly = "probability_per_year" if scenario is not None else "probability"
            T = max(int(parsed.get("years", [5])[-1]), 1)
            cdfs = {}
            for row in df.to_dict(orient="records"):
                label = ", ".join(f"{p}={row[p]}" for p in (varying or params))
                cdfs[label] = [within_years(row[yearly], t) for t in range(1, T + 1)]
            plot_time_to_detection_cdf(cdfs, cdf_plot)
        records = result.rows()
        footer = "\n".join([f"{len(records)} grid points"] + [f"assumption: {a}" for a in result.assumptions])
        emit(fmt, json_obj=result.to_json(), rows=records, columns=list(df.columns),
             title=f"Sweep: {scenario or question}", footer=footer)


# -- generated scenario commands -------------------------------------------------------------------

DEFAULT_AGREEMENT = "newstart-2021"
AgreementOption = Annotated[str, typer.Option("--agreement", "-a", help="Agreement id or YAML file.")]
PartyOption = Annotated[str | None, typer.Option(
    "--party", "-p", help="The party suspected of cheating, in any case (default: RU; for upload: US, whose "
                          "per-system holdings go furthest back; RU and CN use the after-2026 estimates).")]
AsOfOption = Annotated[str | None, typer.Option(
    "--as-of", help="Holdings as of this date (YYYY-MM-DD; default: entry into force, or the first date after it "
                    "with the holdings the scenario needs).")]
#: Options every scenario command has, by the field name an error may carry.
_COMMON_OPTIONS = {"agreement": "--agreement", "party": "--party", "as_of": "--as-of"}


class _ScenarioGroup(AccordGroup):
    """The ``scenario`` group: an unknown scenario is a one-line error listing the known ones."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and not args[0].startswith("-") and self.get_command(ctx, args[0]) is None:
            scenarios.get(args[0])  # raises the InputError
        return super().resolve_command(ctx, args)


@contextlib.contextmanager
def _options_named(options: dict[str, str]) -> Iterator[None]:
    """Re-raise an InputError about a parameter under the CLI option's name (``--hiding-sites``)."""
    try:
        yield
    except InputError as err:
        if err.field in options:
            raise InputError(err.problem, file=err.file, line=err.line, field=options[err.field]) from None
        raise


def _scenario_command(scenario: scenarios.Scenario) -> Callable[..., None]:
    """A Typer command for ``scenario``: the common options, then one option per Params field."""
    infos = scenario.parameters()
    options = {**_COMMON_OPTIONS, **{i.name: i.option for i in infos}}

    def command(**kwargs: Any) -> None:
        from ..app.scenario import run_scenario

        fmt, agreement, party, as_of = (kwargs.pop(k) for k in ("fmt", "agreement", "party", "as_of"))
        with _options_named(options):
            r = run_scenario(scenario.name, agreement=agreement, party=party, as_of=as_of, **kwargs)
        _emit_result(fmt, r, f"Scenario {scenario.name}")

    kw = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter("agreement", kw, default=DEFAULT_AGREEMENT, annotation=AgreementOption),
        inspect.Parameter("party", kw, default=None, annotation=PartyOption),
        inspect.Parameter("as_of", kw, default=None, annotation=AsOfOption),
    ]
    for info in infos:
        names = [info.option, *([f"-{info.short}"] if info.short else [])]
        default = "" if info.required or info.default is None else f" [default: {info.default}]"
        # Every option defaults to None ("not given"): the Params default applies, and a missing
        # required one is a one-line error from the scenario, not a usage screen.
        option = typer.Option(*names, help=info.describe() + default, show_default=False)
        params.append(inspect.Parameter(info.name, kw, default=None,
                                        annotation=Annotated[Optional[info.type], option]))  # noqa: UP045
    params.append(inspect.Parameter("fmt", kw, default=Format.table, annotation=FormatOption))
    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__doc__ = scenario.summary
    return command


def _check_grid_names(question: str, scenario: str | None, grid: dict[str, list[Any]]) -> None:
    """The grid names the question's (or scenario's) parameters and has every one it needs: a
    one-line error naming the variable, before anything is loaded or evaluated."""
    if scenario is None:
        from ..detection.sweep import check_grid_names

        check_grid_names(question, grid)
        return
    infos = scenarios.get(scenario).parameters()
    takes = [i.name for i in infos]
    for key in grid:
        if key not in takes:
            raise InputError(f"the {scenario} scenario takes no {key!r} (it takes {', '.join(takes)})", field=key)
    missing = [i.name for i in infos if i.required and i.name not in grid]
    if missing:
        raise InputError(f"the {scenario} scenario needs {', '.join(missing)}: give "
                         + " and ".join(f"--grid {m}=VALUES" for m in missing), field="--grid")


def _check_plots(
    question: str, scenario: str | None, grid: dict[str, list[Any]], *, plot: Path | None, cdf_plot: Path | None,
    x: str | None, hue: str | None,
) -> tuple[str, list[str]] | None:
    """Check the plots a sweep is asked for before any work (file type, folder, axes, how many
    curves): every problem is a one-line error and nothing is written. Returns the detection
    plot's x axis and the variables that split its curves."""
    import math

    from ..detection import plots

    curves = None
    if plot is not None:
        plots.check_plot_path(plot, field="--plot")
        curves = plots.curve_axes(grid, x=x, hue=hue, field="--plot")
        plots.check_curve_count(plots.curve_count(grid, curves[1]), field="--plot",
                                what=f"one curve per value of {', '.join(curves[1])}")
    elif x is not None or hue is not None:
        raise InputError("--x and --hue choose the axes of --plot; give --plot FILE", field="--x" if x else "--hue")
    if cdf_plot is not None:
        if scenario is None and question not in ("sample", "upload"):
            raise InputError("needs the sample or upload question, or a scenario", field="--cdf-plot")
        plots.check_plot_path(cdf_plot, field="--cdf-plot")
        points = math.prod(len(v) for v in grid.values())
        plots.check_curve_count(points, field="--cdf-plot", what="one curve per grid point")
    return curves


def _grid_help() -> str:
    """The grid variables of every sweep, generated from the questions' signatures and the
    scenarios' Params."""
    from ..detection.sweep import QUESTIONS

    lines = ["Grid variables:"]
    for name, fn in QUESTIONS.items():
        lines.append(f"{name}: {', '.join(inspect.signature(fn).parameters)}.")
    for s in scenarios.registry().values():
        variables = (f"{i.name} ({i.unit}, {i.bounds.text() if i.bounds else '|'.join(i.choices)})"
                     for i in s.parameters())
        lines.append(f"scenario {s.name}: {'; '.join(variables)}.")
    return "\n\n".join(lines)
