"""Evidence files (佐证材料): the content-checked store, attachment rows, downloads."""
