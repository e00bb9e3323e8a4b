"""Demo data for ``assess demo``: Zhengzhou's units, cycles with work in progress, a nomination round."""
