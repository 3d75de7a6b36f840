"""Settings: where they come from, how mistakes are reported, and which rules they select."""

from __future__ import annotations

from pathlib import Path

import pytest

from handrail.engine.config import Config, ConfigError, load_config, select_rules
from handrail.engine.rule import Option, Rule


class CoerceNumber(Rule):
    id = "zod/coerce-number"
    options = {
        "mode": Option(str, "strict", "How to coerce.", choices=("strict", "loose")),
        "max-depth": Option(int, 3, "How deep to look."),
        "schemas": Option(list, [], "Extra schema factories."),
    }


class StrictObject(Rule):
    id = "zod/strict-object"


class CatchConsoleLog(Rule):
    id = "errors/catch-console-log"
    options = {"loggers": Option(list, ["logger"], "Names of structured loggers.")}


CATALOG: list[type[Rule]] = [CoerceNumber, StrictObject, CatchConsoleLog]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def load(cwd: Path, explicit: str | None = None) -> Config:
    return load_config(Path(explicit) if explicit else None, cwd, CATALOG)


def error(cwd: Path, text: str, name: str = "pyproject.toml") -> str:
    """The message load_config gives for a config file holding `text`."""
    write(cwd / name, text)
    with pytest.raises(ConfigError) as caught:
        load(cwd)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{name}: ")
    return message


# -- where settings come from -----------------------------------------------------------


def test_without_a_config_file_everything_is_default(tmp_path: Path) -> None:
    config = load(tmp_path)
    assert config == Config(base=tmp_path.resolve())
    assert config.select is None and config.max_file_size == 1_000_000


def test_tool_handrail_in_pyproject_is_read(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.handrail]\nselect = ["zod"]\nignore = ["zod/strict-object"]\n'
        'include = ["src/**"]\nexclude = ["**/generated/**"]\nmax-file-size = 5000\n',
    )
    config = load(tmp_path)
    assert config.select == ("zod",)
    assert config.ignore == ("zod/strict-object",)
    assert config.include == ("src/**",)
    assert config.exclude == ("**/generated/**",)
    assert config.max_file_size == 5000
    assert config.source == tmp_path.resolve() / "pyproject.toml"
    assert config.base == tmp_path.resolve()


def test_handrail_toml_wins_over_pyproject_in_the_same_folder(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.handrail]\nselect = ["errors"]\n')
    write(tmp_path / ".handrail.toml", 'select = ["zod/"]\n')
    assert load(tmp_path).select == ("zod/",)
    write(tmp_path / "handrail.toml", 'select = ["ALL"]\n')
    assert load(tmp_path).select == ("ALL",)


def test_the_nearest_folder_with_settings_wins_and_globs_are_relative_to_it(tmp_path: Path) -> None:
    write(tmp_path / "handrail.toml", 'select = ["errors"]\n')
    write(tmp_path / "app" / "pyproject.toml", '[tool.handrail]\nselect = ["zod"]\n')
    cwd = tmp_path / "app" / "src" / "api"
    cwd.mkdir(parents=True)
    config = load(cwd)
    assert config.select == ("zod",)
    assert config.base == (tmp_path / "app").resolve()


def test_a_pyproject_without_tool_handrail_does_not_stop_the_search(tmp_path: Path) -> None:
    write(tmp_path / "handrail.toml", 'select = ["errors"]\n')
    write(tmp_path / "app" / "pyproject.toml", '[project]\nname = "app"\n')
    config = load(tmp_path / "app")
    assert config.select == ("errors",)
    assert config.source == tmp_path.resolve() / "handrail.toml"


def test_an_explicit_pyproject_without_the_table_gives_defaults(tmp_path: Path) -> None:
    write(tmp_path / "conf" / "pyproject.toml", '[project]\nname = "x"\n')
    write(tmp_path / "handrail.toml", 'select = ["errors"]\n')  # not looked at: --config wins
    config = load(tmp_path, "conf/pyproject.toml")
    assert config.select is None
    assert config.source == tmp_path.resolve() / "conf" / "pyproject.toml"
    assert config.base == tmp_path.resolve() / "conf"


def test_any_other_explicit_file_is_read_from_its_top_level(tmp_path: Path) -> None:
    write(tmp_path / "ci.toml", 'select = ["errors/"]\n\n[rules."zod/coerce-number"]\nmode = "loose"\n')
    config = load(tmp_path, "ci.toml")
    assert config.select == ("errors/",)
    assert config.rule_options == {"zod/coerce-number": {"mode": "loose"}}


def test_an_explicit_file_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^missing\.toml: no such file$"):
        load(tmp_path, "missing.toml")


def test_an_explicit_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    with pytest.raises(ConfigError, match=r"^conf: cannot read: is a directory$"):
        load(tmp_path, "conf")


# -- rule options -----------------------------------------------------------------------


def test_rule_options_are_validated_and_kept_per_rule(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.handrail.rules."zod/coerce-number"]\nmode = "loose"\nmax-depth = 5\n'
        'schemas = ["makeSchema"]\n\n'
        '[tool.handrail.rules."zod/strict-object"]\n',
    )
    assert load(tmp_path).rule_options == {
        "zod/coerce-number": {"mode": "loose", "max-depth": 5, "schemas": ["makeSchema"]},
        "zod/strict-object": {},
    }


# -- every mistake is one line naming the file, the key and what is wrong ---------------


def test_unknown_key(tmp_path: Path) -> None:
    message = error(tmp_path, '[tool.handrail]\nselct = ["zod"]\n')
    assert message == "pyproject.toml: unknown key 'selct' in [tool.handrail] (did you mean 'select'?)"


def test_unknown_key_at_the_top_of_handrail_toml(tmp_path: Path) -> None:
    message = error(tmp_path, "max_file_size = 10\n", name="handrail.toml")
    assert message == "handrail.toml: unknown key 'max_file_size' (did you mean 'max-file-size'?)"


def test_toml_syntax_error_carries_tomllibs_position(tmp_path: Path) -> None:
    message = error(tmp_path, "[tool.handrail]\nselect = [zod]\n")
    assert message.startswith("pyproject.toml: invalid TOML: ")
    assert "line 2" in message


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "handrail.toml").write_bytes(b'select = ["\xff"]\n')
    with pytest.raises(ConfigError, match=r"^handrail\.toml: invalid TOML: not UTF-8 text$"):
        load(tmp_path)


def test_a_list_key_given_a_string(tmp_path: Path) -> None:
    message = error(tmp_path, '[tool.handrail]\nselect = "zod"\n')
    assert message == "pyproject.toml: 'select' in [tool.handrail] must be a list of strings, not a string"


def test_a_list_key_holding_something_else(tmp_path: Path) -> None:
    message = error(tmp_path, '[tool.handrail]\nexclude = ["dist", 3]\n')
    assert (
        message
        == "pyproject.toml: 'exclude' in [tool.handrail] must be a list of strings, but holds an integer"
    )


@pytest.mark.parametrize(
    ("value", "shown"), [("0", "0"), ("-1", "-1"), ("true", "a boolean"), ('"1MB"', "a string")]
)
def test_max_file_size_must_be_a_positive_integer(tmp_path: Path, value: str, shown: str) -> None:
    message = error(tmp_path, f"[tool.handrail]\nmax-file-size = {value}\n")
    assert (
        message
        == f"pyproject.toml: 'max-file-size' in [tool.handrail] must be a positive integer, not {shown}"
    )


def test_tool_handrail_must_be_a_table(tmp_path: Path) -> None:
    message = error(tmp_path, "[tool]\nhandrail = 1\n")
    assert message == "pyproject.toml: 'tool.handrail' must be a table, not an integer"


def test_rules_must_be_a_table(tmp_path: Path) -> None:
    message = error(tmp_path, '[tool.handrail]\nrules = ["zod"]\n')
    assert message == "pyproject.toml: 'rules' in [tool.handrail] must be a table, not an array"


def test_unknown_rule_in_rules(tmp_path: Path) -> None:
    message = error(tmp_path, '[tool.handrail.rules."zod/coerce-numbr"]\nmode = "loose"\n')
    assert message == (
        "pyproject.toml: unknown rule 'zod/coerce-numbr' in [tool.handrail.rules]"
        " (did you mean 'zod/coerce-number'?)"
    )


def test_a_rules_entry_that_is_not_a_table(tmp_path: Path) -> None:
    message = error(tmp_path, '[tool.handrail.rules]\n"zod/coerce-number" = "loose"\n')
    assert message == (
        'pyproject.toml: [tool.handrail.rules."zod/coerce-number"] must be a table of options, not a string'
    )


def test_unknown_option_lists_the_valid_ones(tmp_path: Path) -> None:
    message = error(tmp_path, '[tool.handrail.rules."zod/coerce-number"]\ndepth = 2\n')
    assert message == (
        "pyproject.toml: unknown option 'depth' in [tool.handrail.rules.\"zod/coerce-number\"];"
        " valid options: mode, max-depth, schemas"
    )


def test_an_option_for_a_rule_without_options(tmp_path: Path) -> None:
    message = error(tmp_path, '[rules."zod/strict-object"]\nstrict = true\n', name="handrail.toml")
    assert message == (
        "handrail.toml: unknown option 'strict' in [rules.\"zod/strict-object\"]; valid options: none"
    )


@pytest.mark.parametrize(
    ("setting", "reason"),
    [
        ('mode = "lenient"', "option 'mode' must be one of: strict, loose"),
        ('max-depth = "3"', "option 'max-depth' must be of type int"),
        ("max-depth = true", "option 'max-depth' must be an integer"),
        ('schemas = "makeSchema"', "option 'schemas' must be a list of strings"),
    ],
)
def test_bad_option_values(tmp_path: Path, setting: str, reason: str) -> None:
    message = error(tmp_path, f'[tool.handrail.rules."zod/coerce-number"]\n{setting}\n')
    assert message == f'pyproject.toml: [tool.handrail.rules."zod/coerce-number"]: {reason}'


@pytest.mark.parametrize("key", ["select", "ignore"])
def test_a_selector_that_matches_no_rule(tmp_path: Path, key: str) -> None:
    message = error(tmp_path, f'[tool.handrail]\n{key} = ["zod", "prisma/"]\n')
    assert message == f"pyproject.toml: unknown rule or prefix 'prisma/' in '{key}' in [tool.handrail]"


def test_a_config_file_above_the_working_directory_is_named_by_its_full_path(tmp_path: Path) -> None:
    write(tmp_path / "handrail.toml", "selct = []\n")
    (tmp_path / "src").mkdir()
    with pytest.raises(ConfigError) as caught:
        load(tmp_path / "src")
    assert str(caught.value).startswith(f"{tmp_path.resolve() / 'handrail.toml'}: unknown key 'selct'")


# -- choosing rules ---------------------------------------------------------------------


def ids(rules: list[type[Rule]]) -> list[str]:
    return [rule.id for rule in rules]


def test_no_selection_means_every_rule_in_catalog_order() -> None:
    assert ids(select_rules(CATALOG, None, [])) == [
        "zod/coerce-number",
        "zod/strict-object",
        "errors/catch-console-log",
    ]


def test_selectors_are_ids_families_with_or_without_slash_or_all() -> None:
    assert ids(select_rules(CATALOG, ["zod/strict-object"], [])) == ["zod/strict-object"]
    assert ids(select_rules(CATALOG, ["zod"], [])) == ["zod/coerce-number", "zod/strict-object"]
    assert ids(select_rules(CATALOG, ["zod/"], [])) == ["zod/coerce-number", "zod/strict-object"]
    assert ids(select_rules(CATALOG, ["ALL"], [])) == ids(select_rules(CATALOG, None, []))
    assert ids(select_rules(CATALOG, [], [])) == []


def test_the_result_follows_catalog_order_not_selection_order() -> None:
    selected = select_rules(CATALOG, ["errors", "zod/strict-object", "zod/coerce-number"], [])
    assert ids(selected) == ["zod/coerce-number", "zod/strict-object", "errors/catch-console-log"]


def test_ignore_removes_rules_from_the_selection() -> None:
    assert ids(select_rules(CATALOG, None, ["zod/coerce-number"])) == [
        "zod/strict-object",
        "errors/catch-console-log",
    ]
    assert ids(select_rules(CATALOG, ["zod/coerce-number"], ["zod"])) == []
    assert ids(select_rules(CATALOG, ["ALL"], ["zod/", "errors"])) == []


@pytest.mark.parametrize("selector", ["zo", "zod/coerce", "prisma", "all", "/"])
def test_a_selector_must_name_a_rule_or_a_whole_family(selector: str) -> None:
    with pytest.raises(ConfigError, match=f"^unknown rule or prefix '{selector}'$"):
        select_rules(CATALOG, [selector], [])
    with pytest.raises(ConfigError, match=f"^unknown rule or prefix '{selector}'$"):
        select_rules(CATALOG, None, [selector])
