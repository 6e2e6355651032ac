"""``caseclock insights``: train the breach-risk model and print its honest evaluation.

The training modules import scikit-learn and lifelines, which take seconds to load; they are
imported when one of these commands runs, so that every other command starts as fast as before
(no cycle is hidden by it: nothing imports this module but the entry point).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from caseclock.cli.environment import load_settings
from caseclock.cli.unit_of_work import unit_of_work
from caseclock.clock import SystemClock

app = typer.Typer(
    help="Breach risk: train on closed milestones, evaluate against the baselines.",
    no_args_is_help=True,
)

MinHistory = Annotated[
    int,
    typer.Option(min=1, help="closed milestones a definition needs before its risk is scored"),
]
TestShare = Annotated[
    float,
    typer.Option(
        min=0.05, max=0.5, help="the latest share of the history's time span kept for the test"
    ),
]


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_evaluation(evaluation: dict[str, Any]) -> None:
    """The training period, then per point of a milestone's life each method's figures."""
    typer.echo(
        f"trained on {evaluation['train_milestones']} closed milestones started "
        f"{evaluation['trained_from']} .. {evaluation['trained_to']}; tested on "
        f"{evaluation['test_milestones']} of records begun after, to {evaluation['tested_to']}"
    )
    if evaluation["abstains"]:
        typer.echo("not enough history (no risk shown): " + ", ".join(evaluation["abstains"]))
    for point in evaluation["points"]:
        typer.echo(
            f"\n{point['point']}: {point['samples']} milestones, {point['breached']} breached"
        )
        typer.echo(f"  {'method':<15}{'ROC AUC':>9}{'AP':>9}{'Brier':>9}")
        for name, figures in point["methods"].items():
            typer.echo(
                f"  {name:<15}{_fmt(figures['auc']):>9}{_fmt(figures['ap']):>9}"
                f"{_fmt(figures['brier']):>9}"
            )
        typer.echo("  calibration of the model (predicted -> observed, count):")
        for cell in point["methods"]["model"]["calibration"]:
            if cell["count"]:
                typer.echo(
                    f"    {cell['from']:.2f}-{cell['to']:.2f}: {cell['predicted']:.3f} -> "
                    f"{cell['observed']:.3f} ({cell['count']})"
                )


@app.command("train")
def train_command(min_history: MinHistory = 30, test_share: TestShare = 0.25) -> None:
    """Train on the earlier history, evaluate on the later, store the model."""
    from caseclock.services.insights.training import train  # noqa: PLC0415 (see the docstring)

    settings = load_settings()
    with unit_of_work(settings) as session:
        trained = train(
            session, now=SystemClock().now(), min_history=min_history, test_share=test_share
        )
        typer.echo(f"stored risk model {trained.row.id if trained.row else '-'}")
        print_evaluation(trained.evaluation)


@app.command("evaluate")
def evaluate_command(min_history: MinHistory = 30, test_share: TestShare = 0.25) -> None:
    """Train and evaluate as ``train`` does, storing nothing: the figures only."""
    from caseclock.services.insights.training import train  # noqa: PLC0415 (see the docstring)

    settings = load_settings()
    with unit_of_work(settings) as session:
        trained = train(
            session,
            now=SystemClock().now(),
            min_history=min_history,
            test_share=test_share,
            store=False,
        )
        print_evaluation(trained.evaluation)
