"""Measure rendering throughput on 1 KB posts: ``python benchmarks/bench_rendering.py``.

Two corpora: typical posts (prose with a little emphasis, a link, sometimes a list or a quote)
and markup-heavy posts (tables, lists, code, several links in every post). CPU time is the
figure to compare across runs; wall time also counts other processes on the machine.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from cop.rendering import excerpt, plain_text, render_markdown

WORDS = (
    "the patient reported low mood and poor sleep over several weeks with reduced appetite "
    "energy concentration since starting a new job her partner says she withdrew from friends "
    "we discussed risk safety planning and a referral to talking therapies"
).split()

MARKUP = [
    "PHQ-9 was **17** at intake and *12* at review; see https://www.nice.org.uk/guidance/ng222.",
    "[The local pathway](https://example.org/pathway) covers this, as @drsmith said.",
    "- sleep diary for two weeks\n- behavioural activation, `BA` worksheet 3\n- review in 14 days",
    "> What would you do about the sertraline dose, given the GI side effects?",
    "| measure | intake | week 6 |\n|:--|--:|--:|\n| PHQ-9 | 17 | 12 |\n| GAD-7 | 11 | 9 |",
    "1. risk reviewed\n2. safety plan shared with the GP\n3. carer informed, with consent",
    "```\nsertraline 50 mg -> 100 mg\n```",
]


def sentence(rng: random.Random) -> str:
    """Return one plausible sentence of 8-20 words."""
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))).capitalize() + "."


def typical_post(rng: random.Random, size: int = 1024) -> str:
    """Return mostly prose: paragraphs of sentences, one or two markup paragraphs."""
    parts = [" ".join(sentence(rng) for _ in range(4)) for _ in range(4)]
    for _ in range(rng.randint(1, 2)):
        parts.insert(rng.randrange(len(parts)), rng.choice(MARKUP[:4]))
    return "\n\n".join(parts)[:size]


def heavy_post(rng: random.Random, size: int = 1024) -> str:
    """Return a post made only of markup paragraphs."""
    parts: list[str] = []
    while sum(len(part) + 2 for part in parts) < size:
        parts.append(rng.choice(MARKUP))
    return "\n\n".join(parts)[:size]


def bench(label: str, func: Callable[[str], object], posts: list[str]) -> None:
    """Print how many posts per second ``func`` handles, per CPU second and per wall second."""
    cpu, wall = time.process_time(), time.perf_counter()
    for post in posts:
        func(post)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"{label:<28} {len(posts) / cpu:6.0f} posts/CPU-s {len(posts) / wall:6.0f} posts/s wall")


def main(count: int = 2000) -> None:
    rng = random.Random(20261123)
    typical = [typical_post(rng) for _ in range(count)]
    heavy = [heavy_post(rng) for _ in range(count)]
    render_markdown(typical[0])  # build this thread's pipeline outside the timing
    bench("render_markdown, typical", render_markdown, typical)
    bench("render_markdown, heavy", render_markdown, heavy)
    bench("plain_text, typical", plain_text, typical)
    bench("excerpt, typical", excerpt, typical)


if __name__ == "__main__":
    main()
