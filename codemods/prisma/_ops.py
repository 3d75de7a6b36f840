"""The Prisma client methods that read and write rows. A module of its own, without imports,
because `PrismaNPlusOne.requires` is built from them when the rule catalog loads."""

from __future__ import annotations

READS = frozenset(
    {
        "findMany",
        "findFirst",
        "findFirstOrThrow",
        "findUnique",
        "findUniqueOrThrow",
        "count",
        "aggregate",
        "groupBy",
    }
)
WRITES = frozenset({"create", "update", "upsert", "delete"})
