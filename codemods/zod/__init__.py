"""Zod schema rules."""
