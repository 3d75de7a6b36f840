"""handrail's engine: discover -> parse -> match -> plan edits -> verify -> render or write."""

__version__ = "0.1.0"
