"""Units under assessment (被考核单位) and their tree."""
