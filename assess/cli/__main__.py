"""`python -m assess.cli`: the same command line as the `assess` script."""

from assess.cli import main

main()
