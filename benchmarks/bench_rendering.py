"""Measure render_markdown throughput on 1 KB posts: ``python benchmarks/bench_rendering.py``."""

from __future__ import annotations

import random
import time

from cop.rendering import excerpt, plain_text, render_markdown

PARAGRAPHS = [
    "Seen today with **low mood** for six weeks, early waking and *reduced appetite*. "
    "No previous episodes; family history of depression on the maternal side.",
    "PHQ-9 was 17 at intake and 12 at review. See https://www.nice.org.uk/guidance/ng222 "
    "for the stepped-care model, and [the local pathway](https://example.org/pathway).",
    "- sleep diary for two weeks\n- behavioural activation, `BA` worksheet 3\n- review in 14 days",
    "> What would you do about the sertraline dose, given the GI side effects?\n"
    "@drsmith raised the same point last week.",
    "| measure | intake | week 6 |\n|:--|--:|--:|\n| PHQ-9 | 17 | 12 |\n| GAD-7 | 11 | 9 |",
    "1. risk reviewed\n2. safety plan shared with the GP\n3. carer informed, with consent",
    "She says the <b>worst</b> part is the evenings & weekends; no self-harm, no plans.",
]


def make_post(rng: random.Random, size: int = 1024) -> str:
    """Assemble a realistic post of about ``size`` characters."""
    parts: list[str] = []
    while sum(len(part) + 2 for part in parts) < size:
        parts.append(rng.choice(PARAGRAPHS))
    return "\n\n".join(parts)[:size]


def bench(label: str, func: object, posts: list[str]) -> None:
    """Print how many posts per second ``func`` handles."""
    start = time.perf_counter()
    for post in posts:
        func(post)  # type: ignore[operator]
    elapsed = time.perf_counter() - start
    print(f"{label:<16} {len(posts) / elapsed:8.0f} posts/s  ({len(posts)} posts, {elapsed:.2f} s)")


def main(count: int = 3000) -> None:
    rng = random.Random(20261123)
    posts = [make_post(rng) for _ in range(count)]
    render_markdown(posts[0])  # build this thread's pipeline outside the timing
    bench("render_markdown", render_markdown, posts)
    bench("plain_text", plain_text, posts)
    bench("excerpt", excerpt, posts)


if __name__ == "__main__":
    main()
