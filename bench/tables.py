"""The tables of docs/PERFORMANCE.md, generated from bench/results/*.json (what `make bench` wrote).

Everything between `<!-- bench-tables:start -->` and `<!-- bench-tables:end -->` in the document is
replaced; the prose around it is written by hand.

    python -m bench.tables [--results bench/results] [--doc docs/PERFORMANCE.md] [--check]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench.recording import RESULTS

DOC = Path(__file__).parent.parent / "docs" / "PERFORMANCE.md"
SCALING = Path(__file__).parent.parent / "docs" / "SCALING.md"
START, END = "<!-- bench-tables:start -->", "<!-- bench-tables:end -->"
SCALING_START, SCALING_END = "<!-- scaling-figures:start -->", "<!-- scaling-figures:end -->"
PAGE_NAMES = {
    "rsvp_get": "one-click answer page, GET /rsvp/<token>", "rsvp_post": "the answer, POST /rsvp/<token>",
    "feed_200": "personal feed, 200", "feed_304": "personal feed, 304", "meeting": "meeting page (organiser)",
    "district": "district front page", "planning": "planning page (city-sized district)",
    "followup_district": "follow-up: district view", "followup_city": "follow-up: city view",
    "followup_schools": "follow-up: school view",
}


def _spread(s: dict[str, float], digits: int = 1, unit: str = "") -> str:
    return f"{s['median']:,.{digits}f}{unit} ({s['min']:,.{digits}f}–{s['max']:,.{digits}f})"


def _machine(result: dict[str, Any]) -> str:
    m = result.get("machine", {})
    versions = m.get("versions", {})
    load = m.get("load_average") or m.get("load_average_at_start") or []
    shown = ", ".join(f"{k} {v}" for k, v in versions.items())
    return (f"measured {result.get('measured_at', '?')} at commit {m.get('commit', '?')}, {m.get('cpus', '?')} cores, "
            f"load {load[0] if load else '?'} at the end; {shown}")


def web_table(result: dict[str, Any], name: str = "") -> list[str]:
    r = result["results"]
    data = r.get("data", {})
    lines = [f"**Web load, {result.get('engine')}** (`{name}.json`; {data.get('size')} data: {data.get('meetings', '?'):,} meetings, "
             f"{data.get('invitations', '?'):,} invitations; {r['settings']['workers']} gunicorn workers, "
             f"{r['settings']['rounds']} interleaved rounds of {r['settings']['seconds']} s per page; "
             f"{_machine(result)}). Ratios are the baseline's throughput over the page's, and the page's p99 over "
             "the baseline's: 1.0 is as fast as one indexed query; median (min–max) over the rounds.", ""]
    lines += ["| page | clients | req/s | p99 ms | throughput ratio | p99 ratio | target | met |",
              "|---|---|---|---|---|---|---|---|"]
    for c, base in r["baseline"].items():
        lines.append(f"| *baseline: one primary-key SELECT* | {c} | {_spread(base['rps'], 0)} | "
                     f"{_spread(base['p99_ms'])} | 1 | 1 | | |")
    for name, page in r["pages"].items():
        for c, f in page.items():
            if not isinstance(f, dict):
                continue
            met = f["ratio_rps"]["median"] <= page["target"] and f["ratio_p99"]["median"] <= page["target"]
            bound = f" ({f['runs_with_none_finished']} run(s): nothing finished, a bound)" \
                if f.get("runs_with_none_finished") else ""
            lines.append(f"| {PAGE_NAMES.get(name, name)} | {c} | {_spread(f['rps'], 0)} | {_spread(f['p99_ms'])} | "
                         f"{_spread(f['ratio_rps'], 2, '×')} | {_spread(f['ratio_p99'], 2, '×')} | "
                         f"≤ {page['target']:g}× | {'yes' if met else '**no**'}{bound} |")
    if "jobs" in r:
        lines += ["", f"The jobs process after the publish (`coordinator jobs run-once`): peak {r['jobs']['peak_rss_mb']} MB, "
                  f"{r['jobs']['messages_sent']} messages delivered (target < 150 MB)."]
    lines += ["", f"Web workers' peak resident memory after the run: {', '.join(f'{m:g}' for m in r['worker_peak_mb'])} "
              "MB (target < 120 MB).", ""]
    return lines


def fanout_scale_table(result: dict[str, Any]) -> list[str]:
    r = result["results"]
    lines = [f"**Fan-out by several senders, PostgreSQL** ({r['messages']:,} messages of about 4 KB to a local "
             f"SMTP sink, batch {r['batch_size']}, {r['rounds']} rounds; {_machine(result)}):", "",
             "| sender processes | messages/s | speed-up over 1 | duplicates | missing | not sent |",
             "|---|---|---|---|---|---|"]
    for n, f in r["senders"].items():
        lines.append(f"| {n} | {_spread(f['per_second'], 0)} | {f['speedup']:.2f}× | {f['duplicates']} | "
                     f"{f.get('missing', 0)} | {f['not_sent']} |")
    return lines + [""]


def _number(x: float, digits: int | None = None) -> str:
    """A figure with as many decimals as its size deserves (1,234 / 123.4 / 12.3 / 1.23 / 0.123), or `digits`."""
    size = abs(x)
    if digits is None:
        digits = 0 if size >= 1000 else 1 if size >= 10 else 2 if size >= 1 else 3
    return f"{x:,.{digits}f}"


def _figure(s: dict[str, float] | None, unit: str = "") -> str:
    """median (min–max) of a spread, with its unit; one value as itself."""
    if not s:
        return "—"
    sep = "" if unit in ("×", "") else " "
    digits = 2 if unit == "×" else None  # ratios as bench.web's: 1.31×
    if s.get("n", 2) == 1 or s["min"] == s["max"]:
        return f"{_number(s['median'], digits)}{sep}{unit}"
    return f"{_number(s['median'], digits)}{sep}{unit} ({_number(s['min'], digits)}–{_number(s['max'], digits)})"


def figures_table(result: dict[str, Any], name: str) -> list[str]:
    """The table of a benchmark written with `bench.recording.figure` rows: what, its baseline, the figure,
    the ratio (each median (min–max) over the interleaved repetitions), the target and whether it was met."""
    r = result["results"]
    rows = r["figures"]
    counts = sorted({row["value"]["n"] for row in rows})
    repetitions = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"
    lines = [f"**{r.get('title', name)}** (`{name}.json`; each figure median (min–max) over {repetitions} interleaved "
             f"repetitions, each ratio per pair of them; {_machine(result)}):", "",
             "| what | baseline | figure | ratio | target | met |", "|---|---|---|---|---|---|"]
    for row in rows:
        base = row.get("baseline")
        baseline = f"{base['what']}: {_figure(base.get('value'), row['unit'])}" if base else "—"
        ratio = row.get("ratio")
        shown = _figure(ratio, "×") if ratio else "—"
        if ratio and ratio.get("of", "figure / baseline") != "figure / baseline":
            shown += f" ({ratio['of']})"
        met = row.get("met")
        lines.append(f"| {row['what']} | {baseline} | {_figure(row['value'], row['unit'])} | {shown} | "
                     f"{row.get('target') or '—'} | {'' if met is None else 'yes' if met else '**no**'} |")
    return lines + [""]


def table(name: str, result: dict[str, Any]) -> list[str]:
    """The lines `name.json` contributes to the document (its table, or a sentence for the jobs process)."""
    body = result.get("results", {})
    if name.startswith("web_") and "pages" not in body:
        jobs = body.get("jobs", {})
        return [f"**The jobs process** (`{name}.json`), `coordinator jobs run-once` after a city-sized "
                f"district's publish: peak resident memory **{jobs.get('peak_rss_mb')} MB** (target < 150 MB), "
                f"{jobs.get('messages_sent')} messages delivered; {_machine(result)}.", ""]
    if name.startswith("web_"):
        return web_table(result, name)
    if name.startswith("fanout_scale"):
        return fanout_scale_table(result)
    if "figures" in body:
        return figures_table(result, name)
    raise ValueError(f"{name}.json has no figures (written before bench.recording.figure): run its benchmark again")


def tables(folder: Path) -> str:
    out: list[str] = ["_Generated by `python -m bench.tables` from `bench/results/*.json`; do not edit by hand._", ""]
    for path in sorted(folder.glob("*.json")):
        if not path.stem.endswith("_tiny"):  # the tests' smoke runs, not measurements
            out += table(path.stem, json.loads(path.read_text()))
    return "\n".join(out).rstrip() + "\n"


def scaling_figures(folder: Path) -> str:
    """docs/SCALING.md's figures: the senders' table and what one web replica served."""
    out = ["_Generated by `python -m bench.tables` from `bench/results/`._", ""]
    scale = folder / "fanout_scale.json"
    if scale.exists():
        out += fanout_scale_table(json.loads(scale.read_text()))
    for path in sorted(folder.glob("web_*.json")):
        if path.stem.endswith("_tiny"):
            continue
        r = json.loads(path.read_text())["results"]
        if "pages" not in r:
            continue
        pages = r["pages"]
        out.append(f"One replica (4 workers) on {path.stem.removeprefix('web_')}: the baseline at "
                   + ", ".join(f"{_spread(b['rps'], 0)} req/s with {c} clients" for c, b in r["baseline"].items())
                   + "; the answer page at "
                   + ", ".join(f"{_spread(f['rps'], 0)} req/s with {c}" for c, f in pages.get("rsvp_get", {}).items()
                               if isinstance(f, dict))
                   + f"; workers' peak memory {', '.join(f'{m:g}' for m in r['worker_peak_mb'])} MB.")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def replace_between(doc: Path, start: str, end: str, content: str) -> str | None:
    text = doc.read_text()
    if start not in text or end not in text:
        return None
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    return f"{before}{start}\n{content}{end}{after}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--doc", type=Path, default=DOC)
    parser.add_argument("--check", action="store_true", help="fail if the document's tables are not these")
    parser.add_argument("--scaling", type=Path, default=SCALING)
    args = parser.parse_args(argv)
    changed = False
    for doc, start, end, content in ((args.doc, START, END, tables(args.results)),
                                     (args.scaling, SCALING_START, SCALING_END, scaling_figures(args.results))):
        new = replace_between(doc, start, end, content)
        if new is None:
            print(f"{doc} has no {start} … {end} section", file=sys.stderr)
            return 1
        changed |= new != doc.read_text()
        if not args.check:
            doc.write_text(new)
            print(f"tables written to {doc}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
