"""The rule catalog: every module below this package that defines a `Rule` subclass."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from handrail.engine.rule import Rule


@cache
def catalog() -> tuple[type[Rule], ...]:
    """All rules, sorted by id. Modules whose names start with `_` hold shared helpers.

    Every run loads the catalog, warm ones included, so a rule module imports its helpers
    inside the methods that use them, not at module level (only light ones, constants and base
    classes, that the class definition itself needs)."""
    from handrail.engine.suppressions import UnusedSuppression

    found: dict[str, type[Rule]] = {UnusedSuppression.id: UnusedSuppression}
    for info in pkgutil.walk_packages(__path__, prefix=f"{__name__}."):
        if info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value is not Rule
                and value.__module__ == module.__name__
                and "id" in vars(value)
            ):
                if value.id in found and found[value.id] is not value:
                    raise RuntimeError(f"two rules share the id {value.id!r}")
                found[value.id] = value
    return tuple(found[key] for key in sorted(found))
