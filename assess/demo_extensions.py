"""Demo loaders contributed by the areas built on the foundation, run in order by assess demo."""

from assess import demo_cycles, nomination_demo

LOADERS: list = [demo_cycles.load, nomination_demo.load]
