"""Prisma rules: queries and writes issued once per row of an earlier result (N+1).

`_schema` finds and reads the project's schema.prisma (models and relations), `_loops` holds
the ORM-neutral loop and row-dependence analysis, `n_plus_one` is the rule.
"""
