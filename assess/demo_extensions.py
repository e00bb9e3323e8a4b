"""Demo loaders contributed by the areas built on the foundation, run in order by assess demo."""

LOADERS: list = []
