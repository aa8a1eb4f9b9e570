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


def other_line(result: dict[str, Any], name: str) -> str:
    """One line for a benchmark with its own format: its headline figures where known."""
    body = result.get("results", result)
    keys = ("speed_ratio", "ratio", "verdicts", "target_met")
    found = {k: body[k] for k in keys if isinstance(body, dict) and k in body}
    return f"- `{name}`: {json.dumps(found, ensure_ascii=False) if found else 'see the JSON file'} ({_machine(result)})"


def tables(folder: Path) -> str:
    out: list[str] = ["_Generated by `python -m bench.tables` from `bench/results/*.json`; do not edit by hand._", ""]
    files = sorted(folder.glob("*.json"))
    others = []
    for path in files:
        result = json.loads(path.read_text())
        if path.stem.startswith("web_") and "pages" not in result["results"]:
            jobs = result["results"].get("jobs", {})
            out += [f"**The jobs process** (`{path.stem}.json`), `coordinator jobs run-once` after a city-sized "
                    f"district's publish: peak resident memory **{jobs.get('peak_rss_mb')} MB** (target < 150 MB), "
                    f"{jobs.get('messages_sent')} messages delivered; {_machine(result)}.", ""]
        elif path.stem.startswith("web_") and not path.stem.endswith("_tiny"):
            out += web_table(result, path.stem)
        elif path.stem == "fanout_scale":
            out += fanout_scale_table(result)
        elif not path.stem.endswith("_tiny"):
            others.append(other_line(result, path.stem))
    if others:
        out += ["The other benchmarks' files (their tables are in the sections below):", "", *others, ""]
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
