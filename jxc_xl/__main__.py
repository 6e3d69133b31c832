"""`python -m jxc_xl` is the `jxc` command."""
from .cli import main

main(prog_name="jxc")
