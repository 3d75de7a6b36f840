"""CI output formats: fingerprints, GitHub annotations, GitLab Code Quality, reviewdog, SARIF."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from handrail.engine.model import FileError, Finding, Severity
from handrail.engine.reporters import github
from handrail.engine.runner import ScanResult
from tests.conftest import ROOT, run_handrail
from tests.test_cli import FIXED_ROUTE, ROUTE

SARIF_SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "package.json").write_text('{"name": "demo", "dependencies": {"zod": "^4.1.0"}}\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "users.ts").write_text(ROUTE)
    return tmp_path


def _document(project: Path, output_format: str) -> Any:
    result = run_handrail(["scan", "--format", output_format], project)
    assert result.exit_code == 1, result.stderr
    return json.loads(result.stdout)


# -- fingerprints ------------------------------------------------------------------------------


def _prints(project: Path) -> list[str]:
    return [issue["fingerprint"] for issue in _document(project, "gitlab")]


def test_fingerprints_survive_unrelated_lines_moving_and_reindenting(project: Path) -> None:
    before = _prints(project)
    assert len(set(before)) == 2
    route = project / "src" / "users.ts"
    moved = ROUTE.replace('import { z } from "zod";\n', 'import { z } from "zod";\n\n// a comment\n\n\n')
    moved = moved.replace("  page:", "      page:").replace("  limit:", "      limit:")
    route.write_text("// header\n\n" + moved + "\nexport const unrelated = 1;\n")
    assert _prints(project) == before


def test_fingerprints_change_with_their_own_lines_only(project: Path) -> None:
    before = _prints(project)
    route = project / "src" / "users.ts"
    # Editing a finding's line changes its fingerprint, not its neighbour's.
    route.write_text(ROUTE.replace("limit: z.number().max(100)", "limit: z.number().max(50)"))
    after = _prints(project)
    assert after[0] == before[0] and after[1] != before[1]
    # The same schema twice in one file: same text, same context, distinct fingerprints.
    twin = ROUTE.replace("ListQuery", "OtherQuery").split("export const router")[0]
    route.write_text(ROUTE + twin.split('import { z } from "zod";\n')[1])
    prints = _prints(project)
    assert len(prints) == 4 and len(set(prints)) == 4


# -- GitHub annotations ------------------------------------------------------------------------


def _parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command read back the way the Actions runner reads it."""

    def unescape(text: str) -> str:
        for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
            text = text.replace(code, char)
        return text

    assert line.startswith("::")
    head, _, message = line[2:].partition("::")
    level, _, props = head.partition(" ")
    properties = dict(part.split("=", 1) for part in props.split(","))
    return level, {k: unescape(v) for k, v in properties.items()}, unescape(message)


def test_github_annotations_name_the_range_and_the_fix(project: Path) -> None:
    result = run_handrail(["scan", "--format", "github"], project)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    level, props, message = _parse_command(lines[0])
    assert level == "warning"
    assert props == {
        "file": "src/users.ts",
        "line": "5",
        "endLine": "5",
        "col": "9",
        "endColumn": "19",
        "title": "zod/coerce-number",
    }
    assert message.endswith("(safe fix: handrail fix)")


def test_github_annotations_escape_data_and_properties() -> None:
    text = "const a = 1;\nconst b = 2;\n"
    path = "src/50%,a:b.ts"
    finding = Finding("zod/x", path, 6, 18, "100% bad:\r\nreally, truly", Severity.ERROR)
    scan = ScanResult([], [finding], [FileError(path, "broken\nfile")], [], [], {}, 1)
    out = github.render_annotations(scan, lambda _: text).splitlines()
    assert out[0] == (
        "::error file=src/50%25%2Ca%3Ab.ts,line=1,endLine=2,title=zod/x::100%25 bad:%0D%0Areally, truly"
    )
    level, props, message = _parse_command(out[0])
    assert (level, props["file"], message) == ("error", path, "100% bad:\r\nreally, truly")
    assert "col" not in props  # GitHub ignores columns on multi-line annotations
    assert _parse_command(out[1]) == ("error", {"file": path, "title": "handrail"}, "broken\nfile")


# -- GitLab Code Quality -----------------------------------------------------------------------


def test_gitlab_code_quality_fields(project: Path) -> None:
    issues = _document(project, "gitlab")
    assert isinstance(issues, list) and len(issues) == 2
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["check_name"] == "zod/coerce-number"
        assert issue["description"].startswith("zod/coerce-number: z.number()")
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["location"]["path"] == "src/users.ts"
    assert [i["location"]["lines"] for i in issues] == [{"begin": 5, "end": 5}, {"begin": 6, "end": 6}]


# -- reviewdog ---------------------------------------------------------------------------------


def _apply_rdjsonl(data: bytes, suggestions: list[dict[str, Any]]) -> bytes:
    """reviewdog's suggestions applied: UTF-8 byte columns, exclusive ends."""
    starts = [0] + [i + 1 for i, byte in enumerate(data) if byte == ord("\n")]

    def offset(position: dict[str, int]) -> int:
        return starts[position["line"] - 1] + position["column"] - 1

    for s in sorted(suggestions, key=lambda s: offset(s["range"]["start"]), reverse=True):
        start, end = offset(s["range"]["start"]), offset(s["range"]["end"])
        data = data[:start] + s["text"].encode() + data[end:]
    return data


def test_rdjsonl_counts_bytes_and_carries_suggestions(project: Path) -> None:
    route = project / "src" / "users.ts"
    route.write_text(ROUTE.replace("  page:", "  pagé:"))
    result = run_handrail(["scan", "--format", "rdjsonl"], project)
    assert result.exit_code == 1
    diagnostics = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(diagnostics) == 2
    first = diagnostics[0]
    assert first["code"] == {"value": "zod/coerce-number"}
    assert first["severity"] == "WARNING" and first["source"]["name"] == "handrail"
    assert first["location"]["path"] == "src/users.ts"
    # `pagé: z.number()`: character column 9, but "é" is two bytes in UTF-8.
    assert first["location"]["range"]["start"] == {"line": 5, "column": 10}
    suggestions = [s for d in diagnostics for s in d["suggestions"]]
    fixed = _apply_rdjsonl(route.read_bytes(), suggestions)
    assert fixed.decode() == FIXED_ROUTE.replace("  page:", "  pagé:")


# -- SARIF ---------------------------------------------------------------------------------------


def _sarif_schema() -> dict[str, Any]:
    if not SARIF_SCHEMA.is_file():
        pytest.fail(f"the SARIF 2.1.0 schema is missing: expected {SARIF_SCHEMA} (shared/ beside the clone)")
    schema: dict[str, Any] = json.loads(SARIF_SCHEMA.read_text())
    return schema


def _sarif(project: Path, *args: str) -> dict[str, Any]:
    result = run_handrail(["ci", "--sarif", "out.sarif", "--quiet", *args], project)
    assert result.exit_code == 1, result.stderr
    document: dict[str, Any] = json.loads((project / "out.sarif").read_text())
    jsonschema.validate(document, _sarif_schema())
    return document


def test_sarif_validates_and_describes_rules_results_and_fixes(project: Path) -> None:
    document = _sarif(project)
    assert document["version"] == "2.1.0" and document["$schema"].endswith("sarif-schema-2.1.0.json")
    [run] = document["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "handrail" and driver["version"]
    assert driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["markdown"].startswith("**") and rule["help"]["text"]
    assert run["columnKind"] == "unicodeCodePoints"
    results = run["results"]
    assert len(results) == 2
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == "zod/coerce-number"
        assert result["level"] == "warning"
        assert result["partialFingerprints"]["handrail/v1"]
    location = results[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "src/users.ts", "uriBaseId": "SRCROOT"}
    assert location["region"] == {"startLine": 5, "startColumn": 9, "endLine": 5, "endColumn": 19}
    [fix] = results[0]["fixes"]
    [change] = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "src/users.ts"
    [replacement] = change["replacements"]
    region = replacement["deletedRegion"]
    assert (region["startLine"], region["startColumn"], region["endColumn"]) == (5, 11, 11)
    assert replacement["insertedContent"]["text"] == "coerce."
    assert "z.coerce.number()" in rules[results[0]["ruleIndex"]]["help"]["markdown"]


def test_sarif_fingerprints_are_stable_and_errors_are_notifications(project: Path) -> None:
    prints = [r["partialFingerprints"] for r in _sarif(project)["runs"][0]["results"]]
    route = project / "src" / "users.ts"
    route.write_text("// moved down\n\n\n" + ROUTE)
    (project / "src" / "broken.ts").write_text("const a = (1;\n")
    run = _sarif(project)["runs"][0]
    assert [r["partialFingerprints"] for r in run["results"]] == prints
    assert run["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
    [notice] = run["invocations"][0]["toolExecutionNotifications"]
    assert notice["level"] == "error" and "syntax error" in notice["message"]["text"]
    assert notice["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/broken.ts"


def test_sarif_of_the_demo_backend_validates(tmp_path: Path) -> None:
    import shutil

    demo = tmp_path / "demo"
    shutil.copytree(
        ROOT / "fixtures" / "express-prisma-zod", demo, ignore=shutil.ignore_patterns("node_modules")
    )
    document = _sarif(demo, "--unsafe-fixes")
    results = document["runs"][0]["results"]
    assert len(results) > 20
    assert {r["ruleId"] for r in results} >= {"zod/coerce-number", "errors/catch-console-log"}
    assert len({r["partialFingerprints"]["handrail/v1"] for r in results}) == len(results)


@pytest.mark.parametrize("output_format", ["gitlab", "rdjsonl"])
def test_errors_go_to_stderr_where_a_format_has_no_place_for_them(project: Path, output_format: str) -> None:
    (project / "src" / "broken.ts").write_text("const a = (1;\n")
    result = run_handrail(["scan", "--format", output_format], project)
    assert result.exit_code == 1
    assert "error: src/broken.ts: syntax error" in result.stderr
    if output_format == "gitlab":
        assert len(json.loads(result.stdout)) == 2
    else:
        assert [json.loads(line)["location"]["path"] for line in result.stdout.splitlines()] == [
            "src/users.ts"
        ] * 2


def test_an_unwritable_output_file_is_a_usage_error(project: Path) -> None:
    result = run_handrail(["ci", "--quiet", "--sarif", "missing/out.sarif"], project)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "handrail: error: cannot write missing/out.sarif: No such file or directory"
    )
