"""The Zod rules' classification: where a schema's input comes from, per file and per project.

The before/after cases under tests/cases/zod/ run the whole pipeline; these tests pin the
pieces (sources, uses, the project index, module resolution, Zod versions) one at a time.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from handrail.codemods._js_modules import ModuleResolver, may_be_project_module, package_name, read_jsonc
from handrail.codemods.zod import _analysis
from handrail.codemods.zod._analysis import analyze
from handrail.codemods.zod._facts import NO_USE, FileFacts, Kind, Use, Verdict
from handrail.codemods.zod._rule import FactoryRule
from handrail.codemods.zod._version import installed_zod_major
from handrail.codemods.zod.boolean_from_string import BooleanFromString
from handrail.codemods.zod.coerce_date import CoerceDate
from handrail.codemods.zod.coerce_number import CoerceNumber
from handrail.engine.context import FileContext
from handrail.engine.languages import language_for
from handrail.engine.model import Applicability, Finding
from handrail.engine.project import ProjectFacts, ProjectInfo

ROOT = Path("/project")
Z = 'import { z } from "zod";\n'


def context(
    text: str,
    path: str = "src/a.ts",
    root: Path = ROOT,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    dependencies: frozenset[str] = frozenset({"express", "zod"}),
) -> FileContext:
    file = root / path
    language = language_for(file)
    assert language is not None
    return FileContext(file, path, text, language, ProjectInfo(root, dependencies), options)


def uses(text: str, key: str, path: str = "src/a.ts") -> list[Use]:
    ctx = context(text, path)
    return analyze(ctx).index.uses_of(ctx.path.as_posix(), key)


def only_use(text: str, key: str = "S") -> Use:
    [use] = uses(text, key)
    return use


def run(
    rule: FactoryRule,
    files: Mapping[str, str],
    root: Path = ROOT,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Finding]:
    """check + collect on every file, then resolve with the project's facts: what the engine does."""
    project = ProjectFacts(ProjectInfo(root, frozenset({"express", "zod"})))
    found: list[Finding] = []
    for path, text in files.items():
        ctx = context(text, path, root, options)
        found.extend(rule.check(ctx))
        facts = rule.collect(ctx)
        if facts is not None:
            project.collected.setdefault(rule.id, {})[ctx.path.as_posix()] = facts
    resolved = [rule.resolve(f, project) for f in found]
    return [f for f in resolved if f is not None]


def applicabilities(findings: list[Finding]) -> dict[str, str]:
    """field -> applicability label, from the finding data."""
    out = {}
    for f in findings:
        assert f.fix is not None
        out[f.data.field or f.data.schema] = f.fix.applicability.label
    return out


# -- what a parse argument is -------------------------------------------------------------

PARSE_TEMPLATE = """\
import { z } from "zod";
const S = z.object({ n: z.number() });
export async function handler(req: any, request: any, ctx: any, formData: FormData, url: URL, text: string) {
  S.parse(ARG);
}
"""


@pytest.mark.parametrize(
    ("arg", "kind", "source"),
    [
        ("req.query", Kind.STRING, "req.query"),
        ("req.query.page", Kind.STRING, "req.query"),
        ('req["params"]', Kind.STRING, "req.params"),
        ("request.query", Kind.STRING, "request.query"),
        ("request.params.id", Kind.STRING, "request.params"),
        ("ctx.query", Kind.STRING, "ctx.query"),
        ("ctx.params", Kind.STRING, "ctx.params"),
        ("req.headers", Kind.STRING, "req.headers"),
        ("req.cookies", Kind.STRING, "req.cookies"),
        ("process.env", Kind.STRING, "process.env"),
        ("{ port: process.env.PORT }", Kind.STRING, "process.env"),
        ("Object.fromEntries(url.searchParams)", Kind.STRING, "Object.fromEntries(...)"),
        ("await request.formData()", Kind.STRING, "form data"),
        ('{ n: formData.get("n") }', Kind.STRING, "form data"),
        ("url.searchParams", Kind.STRING, "URL search params"),
        ('{ n: request.nextUrl.searchParams.get("n") }', Kind.STRING, "URL search params"),
        ("new URLSearchParams(text)", Kind.STRING, "new URLSearchParams(...)"),
        ("{ n: String(text) }", Kind.STRING, "String(...)"),
        ('req.query.n ?? "1"', Kind.STRING, "req.query"),
        ("{ ...req.params }", Kind.STRING, "req.params"),
        ("req.body", Kind.JSON, "a JSON body (req.body)"),
        ("request.body", Kind.JSON, "a JSON body (request.body)"),
        ("await req.json()", Kind.JSON, "a JSON body (await req.json())"),
        ("JSON.parse(text)", Kind.JSON, "a JSON body (JSON.parse(...))"),
        ("Number(req.query.n)", Kind.CONVERTED, "Number(...)"),
        ('{ n: Number(req.query.n), m: 1, on: req.query.on === "1", d: new Date() }', Kind.CONVERTED, None),
        ("{ n: +text, m: parseInt(text, 10) }", Kind.CONVERTED, None),
        ("{ n: req.query.n, m: Number(text) }", Kind.STRING, "req.query"),
        ("data", Kind.UNKNOWN, "parses `data`"),
        ("req", Kind.UNKNOWN, "parses `req`"),
    ],
)
def test_parse_argument(arg: str, kind: Kind, source: str | None) -> None:
    use = only_use(PARSE_TEMPLATE.replace("ARG", arg))
    assert use.kind is kind
    if source is not None:
        assert use.source == source


def test_local_aliases_of_sources() -> None:
    text = """\
import { z } from "zod";
const S = z.object({ n: z.number() });
export function a(req: any) { const q = req.query; S.parse(q); }
export function b(req: any) { const { query } = req; S.parse(query); }
export function c(req: any) { const { query: renamed } = req; S.parse(renamed.n); }
export async function d(req: any) { const body = await req.json(); S.parse(body); }
export async function e({ params }: { params: Promise<{ n: string }> }) { S.parse(await params); }
export async function f({ searchParams }: any) { const sp = await searchParams; S.parse(sp); }
export function g(req: any) { const q = req.query; { const q = 1; S.parse(q); } }
export function h(t: string) { const { page } = Object.fromEntries(new URLSearchParams(t)); S.parse({page}) }
export function i(req: any) { const n = Number(req.query.n); S.parse(n); }
"""
    kinds = [use.kind for use in uses(text, "S")]
    assert kinds == [
        *[Kind.STRING] * 3,
        Kind.JSON,
        *[Kind.STRING] * 2,
        Kind.CONVERTED,
        Kind.STRING,
        Kind.CONVERTED,
    ]


# -- where the parsed value goes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "kind"),
    [
        ("res.json(S.parse(user));", Kind.OUTPUT),
        ("res.status(200).json(S.parse(user));", Kind.OUTPUT),
        ("reply.code(200).send(S.parse(user));", Kind.OUTPUT),
        ("return NextResponse.json(S.parse(user));", Kind.OUTPUT),
        ("return Response.json(S.safeParse(user).data);", Kind.OUTPUT),
        ("ctx.body = S.parse(user);", Kind.OUTPUT),
        ("return S.parse(user);", Kind.OUTPUT),
        ("return await S.parseAsync(user);", Kind.OUTPUT),
        ("return users.map((u: unknown) => S.parse(u));", Kind.OUTPUT),
        ("res.json(S.parse({ id: req.params.id, user }));", Kind.OUTPUT),
        ("return S.parse(req.query);", Kind.STRING),
        ("res.json(S.parse(req.body));", Kind.JSON),
        ("const parsed = S.parse(user);", Kind.UNKNOWN),
    ],
)
def test_parse_destination(statement: str, kind: Kind) -> None:
    text = f"""\
import {{ z }} from "zod";
const S = z.object({{ n: z.number() }});
export async function handler(req: any, res: any, reply: any, ctx: any, user: unknown, users: unknown[]) {{
  {statement}
}}
"""
    assert only_use(text).kind is kind


# -- other uses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("use", "kind"),
    [
        ("router.get('/', validate({ query: S }));", Kind.STRING),
        ("router.get('/', validate({ params: S }));", Kind.STRING),
        ("router.get('/', validate({ headers: S }));", Kind.STRING),
        ("router.get('/', validate({ cookies: S }));", Kind.STRING),
        ("router.post('/', validate({ body: S }));", Kind.JSON),
        ("app.get('/', { schema: { querystring: S } }, h);", Kind.STRING),
        ("app.post('/', { schema: { body: S } }, h);", Kind.JSON),
        ("app.get('/', { schema: { response: { 200: S } } }, h);", Kind.OUTPUT),
        ("register(S);", Kind.UNKNOWN),
        ("export function make() { return S; }", Kind.UNKNOWN),
        ("type T = z.infer<typeof S>;", Kind.TYPES),
        ("export function f(value: z.input<typeof S>) { return value; }", Kind.TYPES),
        ("const parse = S.parse;", Kind.UNKNOWN),
    ],
)
def test_other_uses(use: str, kind: Kind) -> None:
    text = f"""\
import {{ z }} from "zod";
const S = z.object({{ n: z.number() }});
{use}
"""
    assert only_use(text).kind is kind


def test_request_shorthand_key() -> None:
    text = """\
import { z } from "zod";
const query = z.object({ n: z.number() });
router.get("/", validate({ query }));
"""
    assert only_use(text, "query").kind is Kind.STRING


@pytest.mark.parametrize(
    ("route", "kind"),
    [
        ('router.post("/", express.urlencoded(), (req, res) => { S.parse(req.body); });', Kind.STRING),
        ('router.post("/", bodyParser.urlencoded(), validate({ body: S }));', Kind.STRING),
        ('router.post("/", urlencoded(), wrap(async (req, res) => { S.parse(req.body); }));', Kind.STRING),
        ('router.post("/", form, (req, res) => { S.parse(req.body); });', Kind.STRING),
        ('router.post("/", upload.single("file"), validate({ body: S }));', Kind.STRING),
        ('router.post("/", upload.none(), (req, res) => { S.parse(req.body); });', Kind.STRING),
        ('router.post("/", multer().fields([]), (req, res) => { S.parse(req.body); });', Kind.STRING),
        ('router.post("/", express.json(), (req, res) => { S.parse(req.body); });', Kind.JSON),
        ('router.post("/", notMulter.single("file"), (req, res) => { S.parse(req.body); });', Kind.JSON),
        ('app.use(express.urlencoded()); router.post("/", (req, res) => { S.parse(req.body); });', Kind.JSON),
    ],
)
def test_form_routes(route: str, kind: Kind) -> None:
    text = f"""\
import {{ z }} from "zod";
const upload = multer({{ dest: "/tmp" }});
const notMulter = makeUploader();
const form = express.urlencoded({{ extended: true }});
const S = z.object({{ n: z.number() }});
{route}
"""
    assert only_use(text).kind is kind


# -- verdicts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kinds", "applicability"),
    [
        ([Kind.STRING], Applicability.SAFE),
        ([Kind.JSON, Kind.STRING, Kind.OUTPUT], Applicability.SAFE),
        ([Kind.JSON, Kind.OUTPUT], Applicability.UNSAFE),
        ([Kind.UNKNOWN, Kind.TYPES], Applicability.UNSAFE),
        ([], Applicability.UNSAFE),
        ([Kind.OUTPUT, Kind.CONVERTED, Kind.TYPES], None),
        ([Kind.TYPES], None),
    ],
)
def test_verdict(kinds: list[Kind], applicability: Applicability | None) -> None:
    verdict = Verdict.of([Use(kind, kind.value) for kind in kinds])
    assert verdict.applicability is applicability


def test_verdict_prefers_json_over_unknown_for_the_message() -> None:
    verdict = Verdict.of([Use(Kind.UNKNOWN, "u"), Use(Kind.JSON, "j")])
    assert (verdict.kind, verdict.source) == (Kind.JSON, "j")
    assert Verdict.of([]).source == NO_USE


# -- matching ---------------------------------------------------------------------------------


def test_factory_matching_and_field_names() -> None:
    text = """\
import * as zod from "zod";
const S = zod.object({
  a: zod.number(),
  b: zod.z.bigint().optional(),
  c: zod.array(zod.date()),
  d: zod.union([zod.boolean(), zod.string()]),
  e: zod.object({ f: zod.number({ message: "x" }).int() }),
  "g-h": zod
    .number(),
  i: zod.coerce.number(),
  j: zod.preprocess(Number, zod.number()),
  k: zod.string().pipe(zod.number()),
  l: zod.preprocess((v) => v, zod.object({ m: zod.number() })),
});
const Age = zod.number();
"""
    matches = analyze(context(text)).matches
    assert [(m.call.factory, m.extent.field, m.key) for m in matches] == [
        ("number", "a", "S"),
        ("bigint", "b", "S"),
        ("date", "c", "S"),
        ("boolean", "d", "S"),
        ("number", "e.f", "S"),
        ("number", "g-h", "S"),
        ("number", None, "Age"),
    ]


def test_only_zod_is_matched() -> None:
    text = """\
import { z } from "zod";
export function f(z: { number(): number }) { return z.number(); }
export function g() { const z = { date: () => 1 }; return z.date(); }
// z.number()
export const s = "z.number()";
export const t = `z.boolean()`;
export const S = z.object({ n: z.number() });
"""
    assert [m.extent.field for m in analyze(context(text)).matches] == ["n"]
    assert analyze(context("const z = { number: () => 1 };\nexport const n = z.number();\n")).matches == []
    assert analyze(context('import type { z } from "zod";\nexport const n = z.number();\n')).matches == []


@pytest.mark.parametrize(
    "header",
    [
        'import { z } from "zod";',
        'import { z } from "zod/v4";',
        'import { z } from "zod/v3";',
        'import z from "zod";',
        'import * as z from "zod";',
        'const { z } = require("zod");',
        'const z = require("zod");',
    ],
)
def test_import_forms(header: str) -> None:
    matches = analyze(context(f"{header}\nconst S = z.object({{ n: z.number() }});\n", "src/a.js")).matches
    assert [m.call.factory for m in matches] == ["number"]


# -- one analysis per file, shared by the rules -------------------------------------------------


def test_one_analysis_per_file(monkeypatch: pytest.MonkeyPatch) -> None:
    runs = []
    original = _analysis._Analyzer.run

    def counting(self: Any) -> Any:
        runs.append(self)
        return original(self)

    monkeypatch.setattr(_analysis._Analyzer, "run", counting)
    ctx = context(Z + "export const S = z.object({ n: z.number(), on: z.boolean() });\n")
    for rule in (CoerceNumber(), CoerceDate(), BooleanFromString()):
        list(rule.check(ctx))
        rule.collect(ctx)
    assert len(runs) == 1


def test_facts_and_finding_data_are_picklable() -> None:
    text = """\
import { z } from "zod";
import { Base } from "./base";
export const S = Base.extend({ n: z.number() });
export { S as Alias };
export * from "./more";
S.parse(req.query);
"""
    ctx = context(text)
    facts = CoerceNumber().collect(ctx)
    assert isinstance(facts, FileFacts)
    assert pickle.loads(pickle.dumps(facts)) == facts
    [finding] = CoerceNumber().check(ctx)
    assert pickle.loads(pickle.dumps(finding.data)) == finding.data


# -- the project ------------------------------------------------------------------------------


def test_cross_file_uses_and_derived_schemas() -> None:
    files = {
        "src/schemas/common.ts": Z + "export const Paging = z.object({ page: z.number() });\n",
        "src/schemas/user.ts": (
            Z + 'import { Paging } from "./common";\n'
            "export const ListUsers = Paging.extend({ minAge: z.number() });\n"
            "export const CreateUser = z.object({ age: z.number() });\n"
            "export const UserOut = z.object({ id: z.number() });\n"
        ),
        "src/routes/users.ts": (
            'import { CreateUser, ListUsers, UserOut } from "../schemas/user.js";\n'
            'router.get("/", validate({ query: ListUsers }));\n'
            'router.post("/", validate({ body: CreateUser }), (req, res) => res.json(UserOut.parse(u)));\n'
        ),
    }
    assert applicabilities(run(CoerceNumber(), files)) == {
        "page": "safe",
        "minAge": "safe",
        "age": "unsafe",
    }


def test_reexports_namespaces_and_defaults() -> None:
    files = {
        "src/schemas/a.ts": Z + "export const A = z.object({ a: z.number() });\n",
        "src/schemas/b.ts": Z + "export default z.object({ b: z.number() });\n",
        "src/schemas/c/index.ts": Z + "export const C = z.object({ c: z.number() });\n",
        "src/schemas/index.ts": (
            'export * from "./a";\nexport { default as B } from "./b";\nexport * from "./c";\n'
        ),
        "src/schemas/alias.ts": 'import { A } from "./a";\nexport { A as Aliased };\n',
        "src/routes.ts": (
            'import * as schemas from "./schemas";\nimport { C } from "./schemas";\n'
            'import { Aliased } from "./schemas/alias";\n'
            "schemas.A.parse(req.query);\nschemas.B.parse(req.params);\nC.parse(req.body);\n"
            "Aliased.parse(req.body);\n"
        ),
    }
    assert applicabilities(run(CoerceNumber(), files)) == {"a": "safe", "b": "safe", "c": "unsafe"}


def test_commonjs_exports() -> None:
    files = {
        "src/schemas.js": (
            'const { z } = require("zod");\nconst Q = z.object({ q: z.number() });\n'
            "module.exports = { Q, Renamed: Q2 };\nconst Q2 = z.object({ r: z.number() });\n"
        ),
        "src/one.js": 'const z = require("zod");\nmodule.exports = z.object({ one: z.number() });\n',
        "src/routes.js": (
            'const { Q, Renamed } = require("./schemas");\nconst One = require("./one");\n'
            "Q.parse(req.query);\nRenamed.parse(req.body);\nOne.parse(req.params);\n"
        ),
    }
    assert applicabilities(run(CoerceNumber(), files)) == {"q": "safe", "r": "unsafe", "one": "safe"}


def test_cycles_terminate() -> None:
    files = {
        "src/a.ts": 'export * from "./b";\n' + Z + "export const A = z.object({ a: z.number() });\n",
        "src/b.ts": 'export * from "./a";\nexport { Missing } from "./c";\n',
        "src/c.ts": 'export { Missing } from "./b";\n',
        "src/d.ts": (
            Z + 'import { Missing, A } from "./b";\n'
            "const X = z.lazy(() => Y).and(z.object({ x: z.number() }));\nconst Y = X.extend({});\n"
            "Missing.parse(req.query);\nA.parse(req.query);\n"
        ),
    }
    assert applicabilities(run(CoerceNumber(), files)) == {"a": "safe", "x": "unsafe"}


def test_unknown_use_can_be_ignored() -> None:
    text = """\
import { z } from "zod";
const Unused = z.object({ u: z.number() });
const Body = z.object({ b: z.number() });
Body.parse(req.body);
"""
    options = {"zod/coerce-number": {"unknown-use": "ignore"}}
    assert applicabilities(run(CoerceNumber(), {"src/a.ts": text}, options=options)) == {"b": "unsafe"}
    assert applicabilities(run(CoerceNumber(), {"src/a.ts": text})) == {"u": "unsafe", "b": "unsafe"}


def test_extra_string_sources() -> None:
    text = Z + "const Q = z.object({ q: z.number() });\nQ.parse(ctx.request.query.all);\n"
    options = {"zod/coerce-number": {"string-sources": ["ctx.request.query"]}}
    assert applicabilities(run(CoerceNumber(), {"src/a.ts": text}, options=options)) == {"q": "safe"}
    assert applicabilities(run(CoerceNumber(), {"src/a.ts": text})) == {"q": "unsafe"}


def test_messages_name_field_and_source() -> None:
    text = """\
import { z } from "zod";
const Q = z.object({ age: z.number() });
export const Refund = z.object({ cents: z.bigint() });
Q.parse(req.query);
"""
    messages = [f.message for f in run(CoerceNumber(), {"src/a.ts": text})]
    assert messages[0] == (
        "z.number() on `age`, which arrives as a string from req.query; use z.coerce.number()"
    )
    assert messages[1].startswith("z.bigint() on `cents`: input source unknown (no use of `Refund` found)")


# -- module resolution and configuration files ---------------------------------------------


def test_module_resolver(tmp_path: Path) -> None:
    (tmp_path / "tsconfig.json").write_text(
        '{\n  // comment\n  "compilerOptions": {\n    "baseUrl": "src", /* more */\n'
        '    "paths": { "@/*": ["./*"], "#schemas": ["./schemas/index.ts"], },\n  },\n}\n'
    )
    root = tmp_path.as_posix()
    files = [f"{root}/src/schemas/user.ts", f"{root}/src/schemas/index.ts", f"{root}/src/lib/db.js"]
    resolver = ModuleResolver(files, tmp_path)
    importer = f"{root}/src/routes/users.ts"
    assert resolver.resolve(importer, "../schemas/user") == files[0]
    assert resolver.resolve(importer, "../schemas/user.js") == files[0]
    assert resolver.resolve(importer, "../schemas") == files[1]
    assert resolver.resolve(importer, "@/schemas/user") == files[0]
    assert resolver.resolve(importer, "#schemas") == files[1]
    assert resolver.resolve(importer, "lib/db") == files[2]
    assert resolver.resolve(importer, "../schemas/order") is None
    assert resolver.resolve(importer, "express") is None


def test_module_resolver_jsconfig_without_base_url(tmp_path: Path) -> None:
    (tmp_path / "jsconfig.json").write_text('{ "compilerOptions": { "paths": { "~/*": ["src/*"] } } }')
    root = tmp_path.as_posix()
    files = [f"{root}/src/lib/db.mjs", f"{root}/src/lib/index.js"]
    resolver = ModuleResolver(files, tmp_path)
    importer = f"{root}/src/app.ts"
    assert resolver.resolve(importer, "~/lib/db") == files[0]  # `paths` relative to the config
    assert resolver.resolve(importer, "./lib/db.js") == files[0]  # an output name, any source extension
    assert resolver.resolve(importer, "./lib") == files[1]
    assert resolver.resolve(importer, "lib/db") is None  # no baseUrl: bare names are packages
    assert ModuleResolver(files).resolve(importer, "~/lib/db") is None  # no root, no tsconfig


@pytest.mark.parametrize(
    ("specifier", "local"),
    [
        ("./user", True),
        ("../schemas/user.js", True),
        ("/srv/app/user", True),
        ("node:fs", False),
        ("express", False),
        ("express/lib/router", False),
        ("@nestjs/common/pipes", True),  # not a dependency of this project
        ("@/schemas/user", True),  # a tsconfig alias
        ("#schemas", True),
    ],
)
def test_may_be_project_module(specifier: str, local: bool) -> None:
    assert may_be_project_module(specifier, {"express", "zod"}) is local


def test_package_name() -> None:
    assert package_name("express") == "express"
    assert package_name("express/lib/router") == "express"
    assert package_name("@nestjs/common/pipes") == "@nestjs/common"


def test_read_jsonc_keeps_strings(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{ "url": "http://x//y", "glob": "/*.ts", // c\n "n": [1, 2,], }')
    assert read_jsonc(tmp_path / "a.json") == {"url": "http://x//y", "glob": "/*.ts", "n": [1, 2]}
    assert read_jsonc(tmp_path / "missing.json") is None


@pytest.mark.parametrize(
    ("manifest", "installed", "major"),
    [
        ('{"dependencies": {"zod": "^4.1.5"}}', None, 4),
        ('{"devDependencies": {"zod": "~3.23.8"}}', None, 3),
        ('{"dependencies": {"zod": "npm:zod@^4.0.0"}}', None, 4),
        ('{"dependencies": {"zod": "latest"}}', '{"version": "4.0.2"}', 4),
        ('{"dependencies": {"express": "^5"}}', None, None),
    ],
)
def test_installed_zod_major(tmp_path: Path, manifest: str, installed: str | None, major: int | None) -> None:
    (tmp_path / "package.json").write_text(manifest)
    if installed is not None:
        (tmp_path / "node_modules" / "zod").mkdir(parents=True)
        (tmp_path / "node_modules" / "zod" / "package.json").write_text(installed)
    assert installed_zod_major(tmp_path) == major


BOOLEAN_ROUTE = """\
import {{ z }} from "{module}";
const Q = z.object({{ on: z.boolean({{ message: "on?" }}).optional() }});
Q.parse(req.query);
"""


@pytest.mark.parametrize(
    ("version", "module", "expected"),
    [
        ("^4.1.0", "zod", 'z.stringbool({ message: "on?" }).optional()'),
        ("^3.25.0", "zod/v4", 'z.stringbool({ message: "on?" }).optional()'),
        (
            "^3.23.0",
            "zod",
            'z.enum(["true", "false"], { message: "on?" }).transform((v) => v === "true").optional()',
        ),
        (
            "^4.1.0",
            "zod/v3",
            'z.enum(["true", "false"], { message: "on?" }).transform((v) => v === "true").optional()',
        ),
    ],
)
def test_boolean_suggestion_follows_the_zod_version(
    tmp_path: Path, version: str, module: str, expected: str
) -> None:
    (tmp_path / "package.json").write_text(f'{{"dependencies": {{"zod": "{version}"}}}}')
    text = BOOLEAN_ROUTE.format(module=module)
    [finding] = run(BooleanFromString(), {"src/a.ts": text}, root=tmp_path)
    assert finding.fix is not None and finding.fix.applicability is Applicability.SUGGESTION
    [edit] = finding.fix.edits
    fixed = text[: edit.start] + edit.replacement + text[edit.end :]
    assert fixed.splitlines()[1] == f"const Q = z.object({{ on: {expected} }});"


def test_boolean_only_on_string_input() -> None:
    text = """\
import { z } from "zod";
const Body = z.object({ on: z.boolean() });
const Unknown = z.object({ on: z.boolean() });
export const Exported = z.object({ on: z.boolean() });
Body.parse(req.body);
register(Unknown);
"""
    assert run(BooleanFromString(), {"src/a.ts": text}) == []


def test_types_only_across_files() -> None:
    files = {
        "src/schemas.ts": Z + "export const Stats = z.object({ users: z.number() });\n",
        "src/report.ts": (
            'import type { Stats } from "./schemas";\nimport { type z } from "zod";\n'
            "export type Report = z.infer<typeof Stats>;\n"
        ),
    }
    assert run(CoerceNumber(), files) == []
    assert applicabilities(run(CoerceNumber(), {"src/schemas.ts": files["src/schemas.ts"]})) == {
        "users": "unsafe"
    }


def test_commonjs_object_of_schemas() -> None:
    files = {
        "src/schemas.js": (
            'const { z } = require("zod");\nmodule.exports = {\n'
            "  List: z.object({ page: z.number() }),\n  Create: z.object({ age: z.number() }),\n};\n"
        ),
        "src/routes.js": (
            'const s = require("./schemas");\ns.List.parse(req.query);\ns.Create.parse(req.body);\n'
        ),
    }
    assert applicabilities(run(CoerceNumber(), files)) == {"page": "safe", "age": "unsafe"}


def test_unused_default_export_message() -> None:
    [finding] = run(CoerceNumber(), {"src/a.ts": Z + "export default z.object({ n: z.number() });\n"})
    assert "input source unknown (no use found)" in finding.message


def test_files_without_schemas_collect_nothing() -> None:
    ctx = context("export function add(a: number, b: number) { return a + b; }\n")
    assert CoerceNumber().collect(ctx) is None
    assert list(CoerceNumber().check(ctx)) == []
