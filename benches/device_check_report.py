"""Report of the device check (``device_check.json`` and ``device_check.md``), from what the
steps left in the output folder: each step's exit status (``steps.tsv``), the tests each
pytest run collected (``collected_<name>.txt``, from ``--collect-only``) and the JUnit XML of
what ran, ``bench_gpu.json`` and ``gpu-laddu info``.

A test suite is OK only when pytest exited 0, every collected test has a result in the XML
(pytest interrupted by a timeout writes only the tests that finished, and a passed test is an
empty ``<testcase/>`` just like one that never ran), none failed and not all were skipped.  The whole check is OK
only when the preflight passed, a GPU was found, every suite is OK and the benchmark exited 0
with a result.

Usage: ``python benches/device_check_report.py OUT_DIR INFO_JSON EXCLUDED ELAPSED_S``.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

SUITES = ("gpu", "cupy")


def read_steps(path: Path) -> dict[str, int]:
    """``steps.tsv`` (name, exit status per line) → {name: status}; a later line wins."""
    steps: dict[str, int] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) >= 2 and parts[1].lstrip("-").isdigit():
                steps[parts[0]] = int(parts[1])
    return steps


def count_collected(path: Path) -> int | None:
    """Test ids listed by ``pytest --collect-only -q`` (one ``file::test`` per line); None without the file."""
    if not path.exists():
        return None
    return sum(1 for line in path.read_text().splitlines() if "::" in line and not line.startswith(("ERROR", " ")))


def parse_junit(path: Path) -> dict[str, Any]:
    """Counts of a JUnit XML file: tests with a result, failures, errors, skipped, and which failed.

    A collection error for a module whose package is absent here (``ModuleNotFoundError``) is
    listed under ``not_collected`` and counted nowhere else.
    """
    root = ET.parse(path).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    failed: list[str] = []
    uncollected: list[str] = []
    if suite is None:
        return {**counts, "passed": 0, "time_s": 0.0, "failed": failed, "not_collected": uncollected}
    for case in suite.iter("testcase"):
        problems = [(tag, case.find(tag)) for tag in ("failure", "error") if case.find(tag) is not None]
        if problems:
            tag, node = problems[0]
            text = (node.text if node is not None else "") or ""
            if node is not None and node.get("message") == "collection failure" and "ModuleNotFoundError" in text:
                missing = [line for line in text.splitlines() if "ModuleNotFoundError" in line]
                uncollected.append(f"{case.get('name')}: {missing[-1].strip() if missing else 'a package is missing'}")
                continue
            counts["tests"] += 1
            counts["failures" if tag == "failure" else "errors"] += 1
            message = ((node.get("message") if node is not None else None) or text).strip().splitlines()
            failed.append(f"{case.get('classname')}::{case.get('name')}: {message[0][:200] if message else tag}")
            continue
        counts["tests"] += 1
        if case.find("skipped") is not None:
            counts["skipped"] += 1
    counts["passed"] = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
    return {**counts, "time_s": float(suite.get("time", 0) or 0), "failed": failed, "not_collected": uncollected}


def suite_report(out: Path, name: str, status: int | None) -> dict[str, Any]:
    """One pytest run: its exit status, collected against ran, and a verdict with the reason."""
    xml = out / f"tests_{name}.xml"
    collected = count_collected(out / f"collected_{name}.txt")
    report: dict[str, Any] = {"exit_status": status, "collected": collected}
    if status is None or not xml.exists():
        return {**report, "ran": False, "ok": False, "why": "did not run"}
    try:
        report.update(parse_junit(xml))
    except ET.ParseError as exc:
        return {**report, "ran": False, "ok": False, "why": f"unreadable JUnit XML ({exc})"}
    report["ran"] = True
    why = []
    if status != 0:
        why.append({1: "tests failed", 2: "interrupted (timeout?)", 5: "no tests collected"}.get(
            status, f"pytest exited {status}"))
    if collected is None:
        why.append("the collected count is unknown")
    elif collected == 0:
        if status != 5:
            why.append("no tests collected")
    elif report["tests"] != collected:
        why.append(f"{report['tests']} of {collected} collected tests ran")
    if report["tests"] and report["skipped"] == report["tests"]:
        why.append("every test was skipped")  # e.g. no GPU visible to the tests
    if report["failures"] or report["errors"]:
        why.append(f"{report['failures']} failed, {report['errors']} errors")
    report["ok"] = not why
    report["why"] = "; ".join(why)
    return report


def build(out: Path, info_path: Path, exclude: str, elapsed: int) -> dict[str, Any]:
    """The report dictionary (also written as ``device_check.json``)."""
    steps = read_steps(out / "steps.tsv")
    report: dict[str, Any] = {"elapsed_s": elapsed, "steps": steps,
                              "excluded": exclude.replace(" and not ", " ").split(), "tests": {}}
    try:
        report["info"] = json.loads(info_path.read_text())
    except (OSError, ValueError):
        report["info"] = None
    preflight = out / "preflight.txt"
    report["preflight"] = preflight.read_text().strip() if preflight.exists() else None
    for name in SUITES:
        report["tests"][name] = suite_report(out, name, steps.get(f"tests_{name}"))
    try:
        report["bench"] = json.loads((out / "bench_gpu.json").read_text())
    except (OSError, ValueError):
        report["bench"] = None
    info = report["info"] or {}
    report["gpu_found"] = bool(info.get("gpus") or (report["bench"] or {}).get("gpus"))
    problems = []
    if steps.get("preflight") != 0:  # --skip-preflight records 0 and says so in preflight.txt
        problems.append(f"preflight: {report['preflight'] or 'did not run'}")
    if not report["gpu_found"]:
        problems.append("no usable GPU was found")
    for name, t in report["tests"].items():
        if not t["ok"]:
            problems.append(f"{name} tests: {t['why']}")
    if steps.get("bench") != 0 or report["bench"] is None:
        problems.append(f"benchmark: exit status {steps.get('bench')}"
                        + ("" if report["bench"] is not None else ", no result"))
    report["problems"] = problems
    report["ok"] = not problems
    return report


def markdown(report: dict[str, Any]) -> list[str]:
    """The lines of ``device_check.md`` (the benchmark's own table is appended by :func:`main`)."""
    lines = [f"# gpu_laddu device check: {'OK' if report['ok'] else 'FAILED'} ({report['elapsed_s']} s)", ""]
    lines += [f"- FAIL: {p}" for p in report["problems"]]
    info = report["info"] or {}
    if report["preflight"]:
        lines.append(f"- {report['preflight']}")
    for g in info.get("gpus", []):
        lines.append(f"- GPU {g['index']}: {g['name']}, {g['memory_total_gib']} GiB, compute {g['compute_capability']}")
    lines.append(f"- CUDA runtime {info.get('cuda_runtime')}, driver {info.get('cuda_driver')}, "
                 f"cupy {info.get('cupy')}, numba {info.get('numba')}, python {info.get('python')}, "
                 f"MPI: {(info.get('mpi') or {}).get('library')}")
    if report["excluded"]:
        lines.append(f"- left out (package absent): tests named {', '.join(report['excluded'])}")
    lines.append("- exit status per step: " + ", ".join(f"{k} {v}" for k, v in report["steps"].items()))
    lines += ["", "| tests | collected | ran | passed | failed | errors | skipped | pytest exit | time | verdict |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for name, t in report["tests"].items():
        if t["ran"]:
            lines.append(f"| {name} | {t['collected']} | {t['tests']} | {t['passed']} | {t['failures']} "
                         f"| {t['errors']} | {t['skipped']} | {t['exit_status']} | {t['time_s']:.0f} s "
                         f"| {'OK' if t['ok'] else 'FAIL'} |")
        else:
            lines.append(f"| {name} | {t['collected']} | did not run | | | | | {t['exit_status']} | | FAIL |")
    for name, t in report["tests"].items():
        for f in t.get("failed", []):
            lines.append(f"- {name}: {f}")
        for f in t.get("not_collected", []):
            lines.append(f"- {name}: not collected, {f}")
    return lines


def main(argv: list[str]) -> int:
    out, info_path, exclude, elapsed = Path(argv[0]), Path(argv[1]), argv[2], int(argv[3])
    report = build(out, info_path, exclude, elapsed)
    (out / "device_check.json").write_text(json.dumps(report, indent=2))
    lines = markdown(report)
    bench_md = out / "bench_gpu.md"
    body = lines + ["", bench_md.read_text() if bench_md.exists() else "benchmark: no result (see device_check.log)"]
    (out / "device_check.md").write_text("\n".join(body) + "\n")
    print("\n".join(lines))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
