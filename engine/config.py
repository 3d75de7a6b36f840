"""handrail's settings: where they are read from, how they are checked, which rules they pick.

Lookup: `--config FILE` if given (a `pyproject.toml` is read for its [tool.handrail] table,
any other file for its top level). Otherwise the working directory and then each folder
above it: `handrail.toml` or `.handrail.toml` there wins, else a `pyproject.toml` that has a
[tool.handrail] table; the first folder with one of them decides. Settings are never merged
across files, so what applies is always one file you can open.

Every mistake is an error rather than a warning: a misspelt key silently ignored would
leave a rule running that the user believes is configured.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from handrail.engine.rule import Rule

CONFIG_NAMES = ("handrail.toml", ".handrail.toml")
PYPROJECT = "pyproject.toml"
LIST_KEYS = ("select", "ignore", "include", "exclude")
KEYS = (*LIST_KEYS, "max-file-size", "rules")
ALL = "ALL"


class ConfigError(Exception):
    """A configuration mistake; the message is one line naming the file and the reason."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] | None = None  # None: every rule
    ignore: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_file_size: int = 1_000_000
    # rule id -> the options the user set, validated (defaults are merged in by FileContext)
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    source: Path | None = None  # the file the settings came from
    base: Path = Path(".")  # folder that include/exclude globs are relative to


def load_config(explicit: Path | None, cwd: Path, catalog: Sequence[type[Rule]]) -> Config:
    cwd = cwd.resolve()
    if explicit is not None:
        path = cwd / explicit  # an absolute `explicit` replaces cwd
        if not path.exists():
            raise ConfigError(f"{_shown(path, cwd)}: no such file")
        data = _read(path, cwd)
        if path.name == PYPROJECT:
            table = _tool_table(data, path, cwd)
            return _parse(table or {}, path, cwd, catalog, "tool.handrail")
        return _parse(data, path, cwd, catalog, "")
    for folder in (cwd, *cwd.parents):
        for name in CONFIG_NAMES:
            if (folder / name).is_file():
                return _parse(_read(folder / name, cwd), folder / name, cwd, catalog, "")
        pyproject = folder / PYPROJECT
        if pyproject.is_file():
            table = _tool_table(_read(pyproject, cwd), pyproject, cwd)
            if table is not None:
                return _parse(table, pyproject, cwd, catalog, "tool.handrail")
    return Config(base=cwd)


def resolve_selector(catalog: Sequence[type[Rule]], selector: str) -> list[type[Rule]]:
    """The rules a selector names: `ALL`, an exact id, or a family (`zod/` or `zod`)."""
    if selector == ALL:
        return list(catalog)
    exact = [rule for rule in catalog if rule.id == selector]
    if exact:
        return exact
    prefix = selector if selector.endswith("/") else selector + "/"
    matched = [rule for rule in catalog if rule.id.startswith(prefix)]
    if not matched:
        raise ConfigError(f"unknown rule or prefix '{selector}'")
    return matched


def select_rules(
    catalog: Sequence[type[Rule]], select: Sequence[str] | None, ignore: Sequence[str]
) -> list[type[Rule]]:
    """The rules `select` picks (all when None) minus those `ignore` names, in catalog order."""
    chosen = {rule.id for rule in catalog} if select is None else set()
    for selector in select or ():
        chosen.update(rule.id for rule in resolve_selector(catalog, selector))
    for selector in ignore:
        chosen.difference_update(rule.id for rule in resolve_selector(catalog, selector))
    return [rule for rule in catalog if rule.id in chosen]


# -- reading -----------------------------------------------------------------------------


def _shown(path: Path, cwd: Path) -> str:
    return path.relative_to(cwd).as_posix() if path.is_relative_to(cwd) else str(path)


def _read(path: Path, cwd: Path) -> dict[str, Any]:
    import tomllib  # only projects with a config file pay for the TOML parser

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{_shown(path, cwd)}: invalid TOML: {error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{_shown(path, cwd)}: invalid TOML: not UTF-8 text") from None
    except OSError as error:
        reason = (error.strerror or str(error)).lower()
        raise ConfigError(f"{_shown(path, cwd)}: cannot read: {reason}") from None


def _tool_table(data: Mapping[str, Any], path: Path, cwd: Path) -> dict[str, Any] | None:
    """The [tool.handrail] table of a pyproject.toml, or None when it has none."""
    tool = data.get("tool")
    table = tool.get("handrail") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{_shown(path, cwd)}: 'tool.handrail' must be a table, not {_toml_type(table)}")
    return table


# -- checking ----------------------------------------------------------------------------


def _toml_type(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string", list: "an array"}
    return "a table" if isinstance(value, dict) else names.get(type(value), f"a {type(value).__name__}")


def _suggest(word: str, choices: Iterable[str]) -> str:
    import difflib  # on the way to an error message only

    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _where(section: str) -> str:
    return f" in [{section}]" if section else ""


def _parse(
    table: Mapping[str, Any], path: Path, cwd: Path, catalog: Sequence[type[Rule]], section: str
) -> Config:
    shown = _shown(path, cwd)

    def fail(reason: str) -> ConfigError:
        return ConfigError(f"{shown}: {reason}")

    where = _where(section)
    for key in table:
        if key not in KEYS:
            raise fail(f"unknown key '{key}'{where}{_suggest(key, KEYS)}")
    lists: dict[str, tuple[str, ...]] = {}
    for key in LIST_KEYS:
        value = table.get(key, [])
        if not isinstance(value, list):
            raise fail(f"'{key}'{where} must be a list of strings, not {_toml_type(value)}")
        for item in value:
            if not isinstance(item, str):
                raise fail(f"'{key}'{where} must be a list of strings, but holds {_toml_type(item)}")
        lists[key] = tuple(value)
    for key in ("select", "ignore"):
        for selector in lists[key]:
            try:
                resolve_selector(catalog, selector)
            except ConfigError as error:
                raise fail(f"{error} in '{key}'{where}") from None
    size = table.get("max-file-size", Config.max_file_size)
    if not isinstance(size, int) or isinstance(size, bool):
        raise fail(f"'max-file-size'{where} must be a positive integer, not {_toml_type(size)}")
    if size <= 0:
        raise fail(f"'max-file-size'{where} must be a positive integer, not {size}")
    return Config(
        select=lists["select"] if "select" in table else None,
        ignore=lists["ignore"],
        include=lists["include"],
        exclude=lists["exclude"],
        max_file_size=size,
        rule_options=_rule_options(table.get("rules", {}), catalog, section, fail),
        source=path,
        base=path.parent,
    )


def _rule_options(
    value: object, catalog: Sequence[type[Rule]], section: str, fail: Callable[[str], ConfigError]
) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict):
        raise fail(f"'rules'{_where(section)} must be a table, not {_toml_type(value)}")
    rules_section = f"{section}.rules" if section else "rules"
    by_id = {rule.id: rule for rule in catalog}
    result: dict[str, dict[str, Any]] = {}
    for rule_id, options in value.items():
        rule = by_id.get(rule_id)
        if rule is None:
            raise fail(f"unknown rule '{rule_id}'{_where(rules_section)}{_suggest(rule_id, by_id)}")
        rule_section = f'{rules_section}."{rule_id}"'
        if not isinstance(options, dict):
            raise fail(f"[{rule_section}] must be a table of options, not {_toml_type(options)}")
        checked: dict[str, Any] = {}
        for name, setting in options.items():
            option = rule.options.get(name)
            if option is None:
                valid = ", ".join(rule.options) or "none"
                raise fail(f"unknown option '{name}'{_where(rule_section)}; valid options: {valid}")
            try:
                checked[name] = option.validate(name, setting)
            except ValueError as error:
                raise fail(f"[{rule_section}]: {error}") from None
        result[rule_id] = checked
    return result
