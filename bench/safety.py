"""The safety invariants of tests/end_to_end/test_safety.py over many random intakes, counting violations.

CI runs a few hundred intakes and fails on the first violation; this runs thousands in
worker processes and reports how many it found (the answer must be 0), with examples.

    uv run python bench/safety.py 10000
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "end_to_end"))


def shard(seed: int, count: int) -> dict[str, Any]:
    """Run `count` intakes drawn from seed `seed`; return how many and what broke."""
    import warnings

    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as with_seed
    from strategies import intakes
    from test_safety import client_text_violations, safety_violations

    from assess.services.pipeline import assess_intake

    warnings.filterwarnings("ignore")
    seen = {"intakes": 0, "referrals": 0, "violations": 0, "examples": []}

    @with_seed(seed)
    @settings(max_examples=count, database=None, deadline=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(intakes())
    def check(doc: dict[str, Any]) -> None:
        a = assess_intake(doc)
        seen["intakes"] += 1
        seen["referrals"] += a.plan.referral
        found = safety_violations(doc, a) + client_text_violations(a)
        if found:
            seen["violations"] += 1
            if len(seen["examples"]) < 5:
                seen["examples"].append({"violations": found, "intake": doc})

    check()
    return seen


def run(count: int, workers: int = 2) -> dict[str, Any]:
    start = time.perf_counter()
    per = -(-count // workers)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(shard, range(workers), [per] * workers))
    total = {k: sum(p[k] for p in parts) for k in ("intakes", "referrals", "violations")}
    total["examples"] = [e for p in parts for e in p["examples"]][:5]
    total["seconds"] = time.perf_counter() - start
    total["goal"] = "0 violations"
    return total


if __name__ == "__main__":
    result = run(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
    print(f"{result['intakes']} intakes ({result['referrals']} referrals): "
          f"{result['violations']} with a safety violation, in {result['seconds']:.0f} s")
    for example in result["examples"]:
        print(example)
    sys.exit(1 if result["violations"] else 0)
