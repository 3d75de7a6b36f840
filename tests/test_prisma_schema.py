"""Reading schema.prisma: where Prisma finds it, models and relations, and that the rule sees
an edited schema even with the analysis cache on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from handrail.codemods.prisma import _schema
from tests.conftest import run_handrail

SHOP = """\
// A comment with a "quote" and a // inside.
generator client {
  provider = "prisma-client"
}

/// Users of the shop.
model User {
  id      Int      @id @default(autoincrement())
  email   String   @unique @map("email_address") // "a // in a comment"
  orders  Order[]
  profile Profile?
  posts   Post[]   @relation("written")
  edits   Post[]   @relation(name: "edited")

  @@map("users")
}

model Profile {
  id     Int  @id
  userId Int  @unique
  user   User @relation(fields: [userId], references: [id], onDelete: Cascade)
}

model Order {
  id     Int    @id
  userId Int
  note   String @default("{ not a block }")
  user   User   @relation(fields: [userId], references: [id])
  geo    Unsupported("geometry")?
}

model Post {
  id       Int   @id
  authorId Int
  author   User  @relation("written", fields: [authorId], references: [id])
  editorId Int?
  editor   User? @relation("edited", fields: [editorId], references: [id])
  tags     Tag[]
}

model Tag {
  id    Int    @id
  posts Post[]
}

model Category {
  id       Int        @id
  parentId Int?
  parent   Category?  @relation("tree", fields: [parentId], references: [id])
  children Category[] @relation("tree")
}

model Line {
  orderId Int
  lineNo  Int
  parts   Part[]

  @@id([orderId, lineNo])
}

model Part {
  id      Int  @id
  orderId Int
  lineNo  Int
  line    Line @relation(fields: [orderId, lineNo], references: [orderId, lineNo])
}

view UserTotals {
  userId Int @unique
  total  Int
}

enum Status {
  OPEN // not a model
}
"""


@pytest.fixture
def shop() -> _schema.Schema:
    return _schema.Schema.of(_schema.parse_models(SHOP))


def test_models_fields_and_modifiers(shop: _schema.Schema) -> None:
    assert set(shop.models) == {
        "User",
        "Profile",
        "Order",
        "Post",
        "Tag",
        "Category",
        "Line",
        "Part",
        "UserTotals",
    }
    user = shop.models["User"]
    assert list(user.fields) == ["id", "email", "orders", "profile", "posts", "edits"]
    assert user.fields["orders"].is_list and user.fields["orders"].type == "Order"
    assert user.fields["profile"].optional and not user.fields["profile"].is_list
    assert shop.models["Order"].fields["note"].type == "String"
    assert shop.models["Order"].fields["geo"].type == 'Unsupported("geometry")'
    profile_user = shop.models["Profile"].fields["user"]
    assert (profile_user.fields, profile_user.references) == (("userId",), ("id",))
    assert shop.models["Post"].fields["editor"].relation_name == "edited"
    assert user.fields["edits"].relation_name == "edited"
    assert shop.model_for_client("userTotals") is shop.models["UserTotals"]
    assert shop.model_for_client("status") is None


def test_relations_from_both_sides(shop: _schema.Schema) -> None:
    orders = shop.relation("User", "orders")
    assert orders == _schema.Relation("User", "orders", "Order", True, False, "userId", "id")
    assert shop.relation("Order", "user") == _schema.Relation(
        "Order", "user", "User", False, False, "id", "userId"
    )
    assert shop.relation("User", "profile") == _schema.Relation(
        "User", "profile", "Profile", False, True, "userId", "id"
    )


def test_named_relations_pair_by_name_and_the_foreign_key_picks_one(shop: _schema.Schema) -> None:
    assert shop.relation("User", "posts") == _schema.Relation(
        "User", "posts", "Post", True, False, "authorId", "id"
    )
    assert shop.relation("User", "edits") == _schema.Relation(
        "User", "edits", "Post", True, False, "editorId", "id"
    )
    assert shop.find_relation("User", "Post", "editorId", "id") == shop.relation("User", "edits")
    assert shop.find_relation("User", "Post", "authorId", "id") == shop.relation("User", "posts")
    assert shop.find_relation("User", "Post", "id", "id") is None


def test_self_relation(shop: _schema.Schema) -> None:
    children = shop.relation("Category", "children")
    assert children == _schema.Relation("Category", "children", "Category", True, False, "parentId", "id")
    assert shop.relation("Category", "parent") == _schema.Relation(
        "Category", "parent", "Category", False, True, "id", "parentId"
    )


def test_relations_handrail_does_not_rewrite(shop: _schema.Schema) -> None:
    assert shop.relation("Post", "tags") is None  # implicit many-to-many: no foreign key
    assert shop.relation("Line", "parts") is None  # composite key
    assert shop.relation("User", "email") is None  # not a relation
    assert shop.relation("Nope", "x") is None


# --- where the schema is ----------------------------------------------------------------------


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


MODEL = "model {name} {{\n  id Int @id\n}}\n"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"prisma/schema.prisma": MODEL.format(name="A"), "schema.prisma": MODEL.format(name="B")}, ["A"]),
        ({"schema.prisma": MODEL.format(name="B")}, ["B"]),
        (
            {
                "prisma/schema/a.prisma": MODEL.format(name="A"),
                "prisma/schema/more/b.prisma": MODEL.format(name="B"),
            },
            ["A", "B"],
        ),
        (
            {
                "prisma.config.ts": 'import { defineConfig } from "prisma/config";\n'
                'export default defineConfig({ schema: "db/main.prisma", migrations: { path: "db/m" } });\n',
                "db/main.prisma": MODEL.format(name="C"),
                "prisma/schema.prisma": MODEL.format(name="A"),
            },
            ["C"],
        ),
        (
            {
                "prisma.config.ts": 'import path from "node:path";\n'
                'export default { schema: path.join(__dirname, "db", "models") };\n',
                "db/models/x.prisma": MODEL.format(name="X"),
                "db/models/y.prisma": MODEL.format(name="Y"),
            },
            ["X", "Y"],
        ),
        (
            {
                "prisma.config.ts": "export default { migrations: { schema: 'ignored' } };\n",
                "schema.prisma": MODEL.format(name="B"),
            },
            ["B"],
        ),
        (
            {
                "package.json": json.dumps({"prisma": {"schema": "database/schema.prisma"}}),
                "database/schema.prisma": MODEL.format(name="D"),
                "prisma/schema.prisma": MODEL.format(name="A"),
            },
            ["D"],
        ),
        ({"prisma/other.prisma": MODEL.format(name="A")}, []),
    ],
    ids=[
        "default",
        "root-file",
        "folder",
        "config",
        "config-path-join",
        "config-without-schema",
        "package-json",
        "none",
    ],
)
def test_locate_follows_prismas_order(tmp_path: Path, files: dict[str, str], expected: list[str]) -> None:
    _write(tmp_path, files)
    schema = _schema.load(tmp_path)
    assert (sorted(schema.models) if schema else []) == expected


# --- the rule reads the schema in resolve, so the analysis cache cannot hide an edit --------------

SCHEMA = """\
model User {
  id     Int     @id
  orders Order[]
}

model Order {
  id     Int  @id
  userId Int
  user   User @relation(fields: [userId], references: [id])
}
"""

ROUTE = """\
export async function list(ctx: { db: any }) {
  const users = await ctx.db.user.findMany();
  for (const user of users) {
    (user as any).orders = await ctx.db.order.findMany({ where: { userId: user.id } });
  }
  return users;
}
"""


def _rows(root: Path) -> list[tuple[int, str]]:
    result = run_handrail(["scan", "--format", "json", "--select", "prisma/n-plus-one", "."], root)
    assert result.exit_code in (0, 1), result.stderr
    findings = json.loads(result.stdout)["findings"]
    return [(f["line"], f["fix"]["applicability"] if f["fix"] else "none") for f in findings]


def test_schema_edits_are_seen_through_the_analysis_cache(tmp_path: Path) -> None:
    _write(tmp_path, {"package.json": '{"dependencies": {"@prisma/client": "7"}}', "src/list.ts": ROUTE})
    # `ctx.db` is no visible PrismaClient: without a schema naming `order`, nothing to report.
    assert _rows(tmp_path) == []
    _write(tmp_path, {"prisma/schema.prisma": SCHEMA})
    assert _rows(tmp_path) == [(4, "safe")]
    (tmp_path / "prisma" / "schema.prisma").write_text(SCHEMA.replace("Order", "Purchase"))
    assert _rows(tmp_path) == []
