"""The syntax check that guards every fix: a file that does not parse is reported and never
fixed, and a fix whose result would not parse is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from handrail.engine.languages import Language
from handrail.engine.syntax import first_problem
from tests.conftest import run_handrail

VARIANCE = """export interface Queue<in out A> {
  offer(a: A): boolean;
}
export type Handler<in E, out R = void> = (event: E) => R;
export class Ref<in out A extends object> {
  constructor(readonly value: A) {}
}
"""


@pytest.mark.parametrize("language", [Language.TYPESCRIPT, Language.TSX])
def test_variance_annotations_are_valid_typescript(language: Language) -> None:
    # tree-sitter-typescript does not parse them (its issue #370); TypeScript 4.7 does.
    assert first_problem(VARIANCE, language) is None


OVERLOADS = """export const replicate: {
  /**
   * Data-last.
   */
  (n: number): <A>(a: A) => Array<A>
  // ---------------------------------------------------------------------------------
  /**
   * Data-first.
   */
  <A>(a: A, n: number): Array<A>
  <
    const Key extends string,
    A
  >(key: Key, a: A): Record<Key, A>
} = dual(
  2,
  <A>(a: A, n: number): Array<A> => Array.from({ length: n }, () => a)
)
export const curried =
  (n: number) =>
  <A>(a: A): Array<A> => replicate(a, n)
"""


def test_a_generic_call_signature_on_its_own_line_ends_the_member_before() -> None:
    # TypeScript never reads a `<` after a line break as type arguments; tree-sitter does.
    # (Not in .tsx files, where a line may as well start with a JSX element.)
    assert first_problem(OVERLOADS, Language.TYPESCRIPT) is None


def test_a_real_error_beside_such_signatures_is_still_found() -> None:
    problem = first_problem(OVERLOADS + "const broken = (1 + ;\n", Language.TYPESCRIPT)
    assert problem is not None and problem.line == 22


def test_the_separating_semicolon_is_not_used_in_tsx() -> None:
    # A line may start with a JSX element there: a `;` before it would hide this error.
    assert first_problem("const a = b\n  <div>x</div>\n", Language.TSX) is not None


def test_a_real_error_beside_variance_annotations_is_still_found_where_it_is() -> None:
    problem = first_problem(VARIANCE + "const broken = (1 + ;\n", Language.TYPESCRIPT)
    assert problem is not None and problem.line == 8


@pytest.mark.parametrize(
    "text",
    [
        "const x = a < in b;\n",  # `in` where no type parameter can be: still an error
        "f(a, in b);\n",
        "const y = [a, out b];\n",
    ],
)
def test_what_only_looks_like_a_variance_annotation_stays_an_error(text: str) -> None:
    assert first_problem(text, Language.TYPESCRIPT) is not None


def test_a_file_with_variance_annotations_is_fixed(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"dependencies": {"zod": "^3.23.0"}}\n')
    source = VARIANCE + (
        'import { z } from "zod";\nconst Query = z.object({ page: z.number() });\n'
        "export const page = (req: { query: unknown }) => Query.parse(req.query);\n"
    )
    (tmp_path / "queue.ts").write_text(source)
    result = run_handrail(["fix", "--no-cache", "."], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "z.coerce.number()" in (tmp_path / "queue.ts").read_text()
