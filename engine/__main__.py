"""`python -m handrail.engine` runs the CLI (the same as the `handrail` script)."""

from handrail.engine.cli import main

main(prog_name="handrail")
