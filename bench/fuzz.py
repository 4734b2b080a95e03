"""A larger-budget fuzz run of the receive path and the config loader.

The same properties as ``tests/unit/test_fuzz.py`` (no exception escapes, every
rejected packet counted under one reason and changing no timer or state, the
loader never raises), for a time budget instead of a handful of examples:
random packet sequences (random bytes, real adverts from a peer, mutated,
replayed, spoofed) into every instance flavour, mutated real configs, and the
suite's hypothesis tests with many more examples.

``python bench/fuzz.py --seconds 120`` (default); ``--quick`` for 10 s.
Prints what was run; a property violation prints its reproducer and exits 1
(a bug, not a timing).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "unit"))
sys.path.insert(0, str(HERE.parent / "src"))

import test_fuzz as tf  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402


def packets(budget: float, seed: int) -> tuple[int, int]:
    """Random packet sequences for ``budget`` seconds; (sequences, packets)."""
    rnd = random.Random(seed)
    flavours = sorted(tf.FLAVOURS)
    end = time.monotonic() + budget
    runs = fed = 0
    while time.monotonic() < end:
        flavour, master, s = rnd.choice(flavours), rnd.random() < 0.5, rnd.getrandbits(32)
        count = rnd.choice([20, 100, 400])
        try:
            tf.run_packets(flavour, master, s, count)
        except Exception:
            print(f"FAILED: run_packets({flavour!r}, {master}, {s}, {count})")
            raise
        runs += 1
        fed += count
    return runs, fed


def configs(budget: float, seed: int) -> int:
    rnd = random.Random(seed)
    end = time.monotonic() + budget
    n = 0
    while time.monotonic() < end:
        name, text = rnd.choice(tf.CONFIGS)
        s = rnd.getrandbits(32)
        mutated = tf.mutate_config(text, random.Random(s))
        try:
            tf.check_loads(mutated)
        except Exception:
            print(f"FAILED: config {name} mutated with seed {s}:\n{mutated[:2000]}")
            raise
        n += 1
    return n


def hypothesis_tests(examples: int) -> list[str]:
    ran = []
    strict = settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    for name, strategies in tf.STRATEGIES.items():
        inner = getattr(tf, name).hypothesis.inner_test
        strict(given(**strategies)(inner))()
        ran.append(name)
    return ran


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--seconds", type=float, default=120.0, help="total budget (default 120)")
    p.add_argument("--examples", type=int, default=2000, help="hypothesis examples per test")
    p.add_argument("--seed", type=int, default=None, help="seed of the random runs")
    p.add_argument("--quick", action="store_true", help="10 s, 100 hypothesis examples")
    a = p.parse_args(argv)
    budget = 10.0 if a.quick else a.seconds
    examples = 100 if a.quick else a.examples
    seed = a.seed if a.seed is not None else random.randrange(2**32)
    print(f"# fuzz: budget {budget:g}s, seed {seed}, {examples} hypothesis examples per test")
    t0 = time.monotonic()
    try:
        runs, fed = packets(budget * 0.45, seed)
        print(f"packet path: {runs} sequences, {fed} packets, every one accounted for")
        n = configs(budget * 0.25, seed)
        print(f"config loader: {n} mutated configs from {len(tf.CONFIGS)} real ones, none raised")
        ran = hypothesis_tests(examples)
        print(f"hypothesis: {', '.join(ran)} passed")
    except Exception:
        traceback.print_exc()
        print(f"# property violated (seed {seed})")
        return 1
    print(f"# done in {time.monotonic() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
