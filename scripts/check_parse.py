"""Run `dbt parse --show-all-deprecations` and fail on any warning it prints.

dbt exits 0 when it only warns (deprecations, unused config paths), so the
test command needs this wrapper to keep the project warning-free.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

WARNING_MARKERS = ("[WARNING]", "Deprecat", "deprecat")


def main() -> int:
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run(
        [str(dbt), "parse", "--show-all-deprecations", "--no-use-colors"],
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    print(output, end="")
    warnings = [line for line in output.splitlines() if any(m in line for m in WARNING_MARKERS)]
    if result.returncode != 0:
        print(f"dbt parse failed with exit code {result.returncode}", file=sys.stderr)
        return result.returncode
    if warnings:
        print("dbt parse printed warnings; the project must parse cleanly:", file=sys.stderr)
        for line in warnings:
            print(f"  {line}", file=sys.stderr)
        return 1
    print("dbt parse: clean, no warnings or deprecations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
