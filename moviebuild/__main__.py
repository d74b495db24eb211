"""``python -m moviebuild`` runs the command line."""

from moviebuild.cli.main import main

main()
