"""The annual assessment cycle (考核周期): lifecycle, self-report, inspection, rectification, publishing."""
