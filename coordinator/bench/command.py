"""`coordinator bench generate`: fill an empty database with benchmark data."""
from __future__ import annotations

from time import perf_counter

import click
import sqlalchemy as sa

from coordinator.bench.scales import SCALE_CHOICES, TERMS, DatabaseNotEmpty
from coordinator.bench.writing import generate
from coordinator.clock import utcnow
from coordinator.org.models import District


@click.group("bench")
def bench() -> None:
    """Benchmark data (docs/PERFORMANCE.md)."""


@bench.command("generate")
@click.option("--scale", type=click.Choice(SCALE_CHOICES), default="city", show_default=True,
              help="city: 11 districts, 420 schools; national: 290 municipalities, 307 districts, 6,100 schools.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same data.")
@click.option("--history-years", type=click.IntRange(0, 30), default=0, show_default=True,
              help="School years of held meetings, answers, attendance, minutes and action items up to now "
                   "(national: at most 3 outside Stockholm).")
def generate_command(scale: str, seed: int, history_years: int) -> None:
    """Fill an empty database with a fictional municipality at benchmark scale (refuses one with data)."""
    from coordinator.web import db

    session = db()
    started = perf_counter()
    try:
        created = generate(session, scale=scale, now=utcnow(), seed=seed, history_years=history_years)
    except DatabaseNotEmpty as error:
        session.rollback()
        raise click.ClickException(str(error)) from None
    session.commit()
    elapsed = perf_counter() - started
    click.echo(f"Testdata i skalan {scale} (frö {seed}) skapades på {elapsed:.1f} s: "
               + ", ".join(f"{what}: {n}" for what, n in created.items()) + ".")
    first = session.scalars(sa.select(District.code).order_by(District.id).limit(1)).first()
    click.echo(f"Planera en stadsdels termin med: coordinator term plan --district {first} --term {TERMS[0]}")
