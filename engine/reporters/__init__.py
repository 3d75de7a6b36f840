"""Output formats for findings and fixes."""
