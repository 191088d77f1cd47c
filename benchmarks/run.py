"""`make bench`: the platform's benchmarks. None are defined yet, so it says so and succeeds."""

import sys

BENCHMARKS: list = []


def main() -> int:
    if not BENCHMARKS:
        print("No benchmarks are defined yet: `make bench` has nothing to measure.")
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
