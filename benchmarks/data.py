"""`make bench-data`: loads the benchmark data set. No data set is defined yet."""

import sys


def main(argv: list[str]) -> int:
    print("No benchmark data set is defined yet: `make bench-data` has nothing to load.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
