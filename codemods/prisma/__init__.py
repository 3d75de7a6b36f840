"""Prisma rules: queries and writes issued once per row of an earlier result (N+1).

`_schema` reads the project's schema.prisma; `_loops` holds the ORM-neutral loop and
row-dependence analysis (shared with `orm/`); `_client` tells Prisma calls apart (its
read and write methods are in `_ops`, light enough for the rule's pre-filter); `_site`
describes one per-row call; the fixes are built by `_include` (nested include, merged by
`_merge`, loop removal in `_attach`), `_batch` (one `{ in: ids }` query) and `_writes`
(batched writes), with `_editor`/`_syntax` as shared helpers; `n_plus_one` is the rule.
"""
