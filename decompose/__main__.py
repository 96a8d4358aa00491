"""``python -m decompose``."""

from decompose.cli import main

if __name__ == "__main__":
    main()
