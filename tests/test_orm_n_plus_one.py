"""orm/n-plus-one: the suggestions written out for each ORM, and the shapes that are not N+1.

Each test writes a small project, scans it with the rule (collect and resolve included), and
applies each finding's suggestion to its file to compare the result with the expected code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handrail.codemods.orm.n_plus_one import OrmNPlusOne
from handrail.engine.config import Config
from handrail.engine.edits import apply_edits
from handrail.engine.model import Applicability
from handrail.engine.runner import Settings, scan

TYPEORM = '{ "dependencies": { "typeorm": "^0.3.20" } }\n'
SEQUELIZE = '{ "dependencies": { "sequelize": "^6.37.0" } }\n'
MONGOOSE = '{ "dependencies": { "mongoose": "^8.9.0" } }\n'


@dataclass(frozen=True)
class Suggested:
    path: str
    line: int
    message: str
    text: str | None  # the file with the suggestion applied; None: no code suggested


def suggest(root: Path, files: dict[str, str], options: dict[str, Any] | None = None) -> list[Suggested]:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    config = Config(base=root, rule_options={OrmNPlusOne.id: options or {}})
    result = scan(Settings(paths=[root], cwd=root, config=config, rules=[OrmNPlusOne], jobs=1))
    assert not result.errors and not result.internal_errors
    found = []
    for f in sorted(result.findings, key=lambda f: (f.path, f.start)):
        text = files[f.path]
        if f.fix is not None:
            assert f.fix.applicability is Applicability.SUGGESTION
        new = apply_edits(text, list(f.fix.edits), "\n") if f.fix is not None else None
        found.append(Suggested(f.path, text[: f.start].count("\n") + 1, f.message, new))
    return found


# --- TypeORM ---------------------------------------------------------------------------------------

TYPEORM_ENTITIES = """\
import { BaseEntity, Column, Entity, JoinColumn, ManyToOne, OneToMany } from "typeorm";
import { PrimaryGeneratedColumn } from "typeorm";

@Entity()
export class Team extends BaseEntity {
  @PrimaryGeneratedColumn() id!: number;
  @OneToMany(() => Player, (player) => player.team) players!: Player[];
}

@Entity()
export class Player extends BaseEntity {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ name: "team_id" }) teamId!: number;
  @ManyToOne(() => Team, (team) => team.players)
  @JoinColumn({ name: "team_id" })
  team!: Team;
}
"""


def test_typeorm_relation_on_the_parent_find(tmp_path: Path) -> None:
    roster = """\
import { Player, Team } from "./entities";

export async function roster() {
  const teams = await Team.find({ relations: ["coach"] });
  for (const team of teams) {
    team.players = await Player.findBy({ teamId: team.id });
  }
  return teams;
}
"""
    files = {"package.json": TYPEORM, "src/entities.ts": TYPEORM_ENTITIES, "src/roster.ts": roster}
    [found] = suggest(tmp_path, files)
    assert found.line == 6
    assert found.message == (
        "`Player.findBy` runs once per row of `teams` (N+1 queries): "
        'load `players` with `Team.find` (`relations: [..., "players"]`)'
    )
    assert found.text == (
        'import { Player, Team } from "./entities";\n\n'
        "export async function roster() {\n"
        '  const teams = await Team.find({ relations: ["coach", "players"] });\n'
        "  return teams;\n"
        "}\n"
    )


def test_typeorm_to_one_relation_and_relation_filter(tmp_path: Path) -> None:
    players = """\
import { AppDataSource } from "./data-source";
import { Player, Team } from "./entities";

export async function players() {
  const list = await AppDataSource.getRepository(Player).findBy({ teamId: 1 });
  for (const player of list) {
    player.team = (await AppDataSource.getRepository(Team).findOneBy({ id: player.teamId }))!;
  }
  const teams = await AppDataSource.getRepository(Team).find({ relations: { players: true } });
  return Promise.all(
    teams.map(async (team) => ({
      ...team,
      players: await AppDataSource.manager.find(Player, { where: { team: { id: team.id } } }),
    })),
  );
}
"""
    files = {"package.json": TYPEORM, "src/entities.ts": TYPEORM_ENTITIES, "src/players.ts": players}
    first, second = suggest(tmp_path, files)
    assert "load `team` with `AppDataSource.getRepository(Player).findBy`" in first.message
    assert first.text is not None
    assert (
        "  const list = await AppDataSource.getRepository(Player).find({\n"
        "    where: { teamId: 1 },\n"
        "    relations: { team: true },\n"
        "  });\n"
        "  const teams ="
    ) in first.text
    assert "already loads `players`; use `team.players`" in second.message
    assert second.text is not None
    assert "      players: team.players,\n" in second.text


def test_typeorm_batched_find_imports_in(tmp_path: Path) -> None:
    source = """\
import { Repository } from "typeorm";
import { Order } from "./order";

export async function recent(orders: Repository<Order>, userIds: number[]) {
  const result: Record<number, Order[]> = {};
  for (const userId of userIds) {
    result[userId] = await orders.find({ where: { userId, status: "paid" }, order: { id: "DESC" } });
  }
  return result;
}
"""
    [found] = suggest(tmp_path, {"package.json": TYPEORM, "src/recent.ts": source})
    assert found.message == (
        "`orders.find` runs once per row of `userIds` (N+1 queries): load the rows of all keys at "
        "once (`In(ids)`) and group them by `userId` in memory"
    )
    assert found.text == (
        'import { Repository, In } from "typeorm";\n'
        'import { Order } from "./order";\n\n'
        "export async function recent(orders: Repository<Order>, userIds: number[]) {\n"
        "  const result: Record<number, Order[]> = {};\n"
        "  const orderRows = userIds.length === 0 ? [] : await orders.find({\n"
        '    where: { userId: In(userIds), status: "paid" },\n'
        '    order: { id: "DESC" },\n'
        "  });\n"
        "  const ordersByUserId = new Map<unknown, typeof orderRows>();\n"
        "  for (const row of orderRows) {\n"
        "    const group = ordersByUserId.get(row.userId);\n"
        "    if (group) group.push(row);\n"
        "    else ordersByUserId.set(row.userId, [row]);\n"
        "  }\n"
        "  for (const userId of userIds) {\n"
        "    result[userId] = (ordersByUserId.get(userId) ?? []);\n"
        "  }\n"
        "  return result;\n"
        "}\n"
    )


def test_typeorm_lookup_by_id_in_commonjs_and_what_is_not_batched(tmp_path: Path) -> None:
    source = """\
const { AppDataSource } = require("./data-source");

async function load(ids) {
  const users = AppDataSource.getRepository("User");
  const found = await Promise.all(ids.map((id) => users.findOneBy({ id })));
  for (const id of ids) {
    await users.findOneByOrFail({ id });
    await users.find({ where: { managerId: id }, take: 5 });
  }
  return found;
}
"""
    by_id, or_fail, limited = suggest(tmp_path, {"package.json": TYPEORM, "src/load.js": source})
    assert by_id.text == (
        'const { AppDataSource } = require("./data-source");\n'
        'const { In } = require("typeorm");\n\n'
        "async function load(ids) {\n"
        '  const users = AppDataSource.getRepository("User");\n'
        "  const userRows = ids.length === 0 ? [] : await users.findBy({ id: In(ids) });\n"
        "  const usersById = new Map(userRows.map((row) => [row.id, row]));\n"
        "  const found = await Promise.all(ids.map((id) => (usersById.get(id) ?? null)));\n"
        "  for (const id of ids) {\n"
        "    await users.findOneByOrFail({ id });\n"
        "    await users.find({ where: { managerId: id }, take: 5 });\n"
        "  }\n"
        "  return found;\n"
        "}\n"
    )
    assert or_fail.text is None and or_fail.message.endswith(
        "(no code suggested: it throws when a row is missing)"
    )
    assert limited.text is None and limited.message.endswith(
        "(no code suggested: it limits or projects each query)"
    )


def test_typeorm_grouped_count(tmp_path: Path) -> None:
    source = """\
import { EntityManager } from "typeorm";
import { Player, Team } from "./entities";

export async function sizes(manager: EntityManager, teams: Team[]) {
  const sizes = new Map<number, number>();
  for (const team of teams) {
    sizes.set(team.id, await manager.count(Player, { where: { teamId: team.id } }));
  }
  return sizes;
}
"""
    files = {"package.json": TYPEORM, "src/entities.ts": TYPEORM_ENTITIES, "src/sizes.ts": source}
    [found] = suggest(tmp_path, files)
    assert found.text is not None
    assert (
        "  const playerCountRows = teams.length === 0 ? [] : await manager\n"
        '    .createQueryBuilder(Player, "playerRow")\n'
        '    .select("playerRow.teamId", "key")\n'
        '    .addSelect("COUNT(*)", "count")\n'
        '    .where("playerRow.teamId IN (:...ids)", { ids: teams.map((team) => team.id) })\n'
        '    .groupBy("playerRow.teamId")\n'
        "    .getRawMany();\n"
        "  const playerCountByTeamId = new Map(playerCountRows.map((row) => [row.key, Number(row.count)]));\n"
        "  for (const team of teams) {\n"
        "    sizes.set(team.id, (playerCountByTeamId.get(team.id) ?? 0));\n"
    ) in found.text


def test_typeorm_writes(tmp_path: Path) -> None:
    source = """\
import { Repository } from "typeorm";
import { Player } from "./entities";

export async function transfer(players: Repository<Player>, list: Player[], ids: number[]) {
  for (const player of list) {
    await players.save(player);
  }
  await Promise.all(ids.map((id) => players.delete(id)));
  for (const player of list) {
    await players.update({ id: player.id }, { teamId: 2 });
  }
  for (const player of list) {
    await players.update(player.id, { teamId: player.teamId + 1 });
  }
}
"""
    save, delete, update, dependent = suggest(tmp_path, {"package.json": TYPEORM, "src/transfer.ts": source})
    assert save.message == (
        "`players.save` runs once per row of `list`: one write per row; batch it (save(array))"
    )
    assert save.text is not None and "\n  await players.save(list);\n  await Promise.all" in save.text
    # The loop walks the ids themselves.
    assert delete.text is not None and "\n  if (ids.length > 0) await players.delete(ids);\n" in delete.text
    assert update.text is not None
    assert (
        "  if (list.length > 0) "
        "await players.update({ id: In(list.map((player) => player.id)) }, { teamId: 2 });\n"
    ) in update.text
    assert update.text.startswith('import { Repository, In } from "typeorm";\n')
    assert dependent.text is None and "one update with In(ids)" in dependent.message


# --- Sequelize -------------------------------------------------------------------------------------

SEQUELIZE_MODELS = """\
const { DataTypes, Model, Sequelize } = require("sequelize");

const sequelize = new Sequelize("sqlite::memory:");
const Author = sequelize.define("author", { name: DataTypes.STRING });
const Book = sequelize.define("book", { title: DataTypes.STRING, year: DataTypes.INTEGER });
class Review extends Model {}
Review.init({ bookId: DataTypes.INTEGER, stars: DataTypes.INTEGER }, { sequelize, modelName: "Review" });

Book.belongsTo(Author);
Author.hasMany(Book);
Book.hasMany(Review, { foreignKey: "bookId", as: "reviews" });

module.exports = { Author, Book, Review };
"""


def test_sequelize_includes_with_and_without_alias(tmp_path: Path) -> None:
    source = """\
const { Author, Book, Review } = require("./models");

async function shelf() {
  const books = await Book.findAll({ where: { year: 2024 } });
  for (const book of books) {
    book.dataValues.author = await Author.findByPk(book.authorId);
    book.dataValues.reviews = await Review.findAll({ where: { bookId: book.id } });
  }
  const authors = await Author.findAll();
  return Promise.all(
    authors.map(async (a) => ({ a, books: await Book.findAll({ where: { authorId: a.id } }) })),
  );
}
"""
    files = {"package.json": SEQUELIZE, "models.js": SEQUELIZE_MODELS, "shelf.js": source}
    author, reviews, books = suggest(tmp_path, files)
    assert author.text is not None and reviews.text is not None and books.text is not None
    assert (
        "  const books = await Book.findAll({ where: { year: 2024 }, include: [{ model: Author }] });\n"
        in (author.text)
    )
    assert "    book.dataValues.author = book.author;\n" in author.text
    assert (
        "  const books = await Book.findAll({\n"
        "    where: { year: 2024 },\n"
        '    include: [{ model: Review, as: "reviews" }],\n'
        "  });\n"
    ) in reviews.text
    assert "    book.dataValues.reviews = book.reviews;\n" in reviews.text
    # `define("book")` without `as`: the include names the model, the rows get `books`.
    assert "  const authors = await Author.findAll({ include: [{ model: Book }] });\n" in books.text
    assert "({ a, books: a.books })" in books.text


def test_sequelize_batched_queries_and_counts(tmp_path: Path) -> None:
    source = """\
const { Book, Review } = require("./models");

async function stats(books) {
  const out = [];
  for (const book of books) {
    const top = await Review.findOne({ where: { bookId: book.id, stars: 5 }, order: [["id", "DESC"]] });
    const count = await Review.count({ where: { bookId: book.id } });
    out.push({ top, count });
  }
  return out;
}
"""
    files = {"package.json": SEQUELIZE, "models.js": SEQUELIZE_MODELS, "stats.js": source}
    top, count = suggest(tmp_path, files)
    assert top.text is not None and count.text is not None
    assert (
        "  const reviewRows = await Review.findAll({\n"
        "    where: { bookId: books.map((book) => book.id), stars: 5 },\n"
        '    order: [["id", "DESC"]],\n'
        "  });\n"
        "  const reviewsByBookId = new Map();\n"
    ) in top.text
    assert "    const top = (reviewsByBookId.get(book.id)?.[0] ?? null);\n" in top.text
    assert (
        "  const reviewCountRows = await Review.count({\n"
        "    where: { bookId: books.map((book) => book.id) },\n"
        '    group: ["bookId"],\n'
        "  });\n"
        "  const reviewCountByBookId = new Map("
        "reviewCountRows.map((row) => [row.bookId, Number(row.count)]));\n"
    ) in count.text
    assert "    const count = (reviewCountByBookId.get(book.id) ?? 0);\n" in count.text


def test_sequelize_writes(tmp_path: Path) -> None:
    source = """\
const { Review } = require("./models");

async function moderate(reviews, lines, ids) {
  for (const line of lines) {
    await Review.create({ bookId: line.bookId, stars: line.stars });
  }
  for (const review of reviews) {
    await Review.update({ stars: 0 }, { where: { id: review.id } });
  }
  for (const id of ids) {
    await Review.destroy({ where: { id } });
  }
}
"""
    files = {"package.json": SEQUELIZE, "models.js": SEQUELIZE_MODELS, "moderate.js": source}
    create, update, destroy = suggest(tmp_path, files)
    assert create.text is not None and update.text is not None and destroy.text is not None
    assert "  await Review.destroy({ where: { id: ids } });\n" in destroy.text
    assert (
        "  await Review.bulkCreate(lines.map((line) => ({ bookId: line.bookId, stars: line.stars })));\n"
        in (create.text)
    )
    assert (
        "  await Review.update({ stars: 0 }, { where: { id: reviews.map((review) => review.id) } });\n"
        in (update.text)
    )
    assert suggest(tmp_path, files, {"writes": False}) == []


# --- Mongoose --------------------------------------------------------------------------------------

MONGOOSE_MODELS = """\
import mongoose, { Schema } from "mongoose";

const authorSchema = new Schema({ name: String });
authorSchema.virtual("posts", { ref: "Post", localField: "_id", foreignField: "author" });
export const Author = mongoose.model("Author", authorSchema);

const postSchema = new Schema({
  author: { type: Schema.Types.ObjectId, ref: "Author" },
  tags: [{ type: Schema.Types.ObjectId, ref: "Tag" }],
  title: String,
});
export const Post = mongoose.model("Post", postSchema);
export const Tag = mongoose.model("Tag", new Schema({ label: String }));
"""


def test_mongoose_populate_ref_virtual_and_id_array(tmp_path: Path) -> None:
    source = """\
import { Author, Post, Tag } from "./models";

export async function feed() {
  const posts = await Post.find().sort({ title: 1 });
  for (const post of posts) {
    post.set("writer", await Author.findById(post.author));
    post.set("labels", await Tag.find({ _id: { $in: post.tags } }).lean());
  }
  const authors = await Author.find();
  for (const author of authors) {
    author.set("posts", await Post.find({ author: author._id }));
  }
}
"""
    files = {"package.json": MONGOOSE, "src/models.ts": MONGOOSE_MODELS, "src/feed.ts": source}
    writer, labels, posts = suggest(tmp_path, files)
    assert writer.text is not None and labels.text is not None and posts.text is not None
    assert '  const posts = await Post.find().populate("author").sort({ title: 1 });\n' in writer.text
    assert '    post.set("writer", post.author);\n' in writer.text
    assert '  const posts = await Post.find().populate("tags").sort({ title: 1 });\n' in labels.text
    assert '    post.set("labels", post.tags);\n' in labels.text
    assert '  const authors = await Author.find().populate("posts");\n' in posts.text
    assert posts.message.endswith("(a virtual: res.json() shows it only with `toJSON: { virtuals: true }`)")


def test_mongoose_batches_compare_ids_as_strings(tmp_path: Path) -> None:
    source = """\
import { Post } from "./models";

export async function counts(users: { _id: unknown; id: string }[]) {
  for (const user of users) {
    console.info(await Post.find({ editor: user.id, title: "x" }).sort({ _id: -1 }));
    console.info(await Post.countDocuments({ editor: user._id }));
    console.info(await Post.countDocuments({ editor: user.id }));
  }
}
"""
    files = {"package.json": MONGOOSE, "src/models.ts": MONGOOSE_MODELS, "src/counts.ts": source}
    rows, by_object_id, by_string = suggest(tmp_path, files)
    assert rows.text is not None and by_object_id.text is not None
    assert (
        "  const postRows = await Post.find({\n"
        "    editor: { $in: users.map((user) => user.id) },\n"
        '    title: "x",\n'
        "  }).sort({ _id: -1 });\n"
    ) in rows.text
    assert "    const group = postsByEditor.get(String(row.editor));\n" in rows.text
    assert "    console.info((postsByEditor.get(String(user.id)) ?? []));\n" in rows.text
    assert (
        "  const postCountRows = await Post.aggregate([\n"
        "    { $match: { editor: { $in: users.map((user) => user._id) } } },\n"
        '    { $group: { _id: "$editor", count: { $sum: 1 } } },\n'
        "  ]);\n"
    ) in by_object_id.text
    assert by_string.text is None and "does not cast strings to ObjectIds" in by_string.message


def test_mongoose_writes(tmp_path: Path) -> None:
    source = """\
import { Post } from "./models";

export async function retitle(posts: { _id: unknown; title: string }[]) {
  for (const post of posts) {
    await Post.findByIdAndUpdate(post._id, { title: post.title.trim() });
  }
  await Promise.all(posts.map((post) => Post.findByIdAndDelete(post._id)));
}
"""
    files = {"package.json": MONGOOSE, "src/models.ts": MONGOOSE_MODELS, "src/retitle.ts": source}
    update, delete = suggest(tmp_path, files)
    assert update.text is not None and delete.text is not None
    assert (
        "  await Post.bulkWrite(posts.map((post) => ({\n"
        "    updateOne: {\n"
        "      filter: { _id: post._id },\n"
        "      update: { title: post.title.trim() },\n"
        "    },\n"
        "  })));\n"
    ) in update.text
    assert "  await Post.deleteMany({ _id: { $in: posts.map((post) => post._id) } });\n" in delete.text


# --- what is not N+1, and what is not a model ------------------------------------------------------


def test_traps_have_no_finding(tmp_path: Path) -> None:
    source = """\
import { MoreThan, Repository } from "typeorm";
import { Player } from "./entities";

const POSITIONS = ["goal", "field"];

export async function traps(players: Repository<Player>, id: number, teams: { id: number }[]) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const player = await players.findOneBy({ id });
    if (player) break;
  }
  let cursor = 0;
  while (true) {
    const page = await players.find({ where: { id: MoreThan(cursor) }, take: 50 });
    if (page.length === 0) break;
    cursor = page[page.length - 1].id;
  }
  for (const position of POSITIONS) {
    await players.countBy({ position });
  }
  for (const team of teams) {
    await players.find({ where: { teamId: 1 } });
    teams.find((other) => other.id === team.id);
  }
  for await (const player of players.find()) {
    console.info(player);
  }
}
"""
    seed = "import { Player } from './entities';\n\nexport async function run(ids: number[]) {\n"
    seed += "  for (const id of ids) await Player.save({ id });\n}\n"
    files = {
        "package.json": TYPEORM,
        "src/entities.ts": TYPEORM_ENTITIES,
        "src/traps.ts": source,
        "src/seed.ts": seed,
        "src/migrations/1-backfill.ts": seed,
    }
    assert suggest(tmp_path, files) == []


def test_a_name_is_a_model_only_when_the_project_says_so(tmp_path: Path) -> None:
    source = """\
import { Cache } from "./cache";
import { Post } from "./models";

export async function clear(posts: { _id: string }[]) {
  for (const post of posts) {
    await Cache.deleteOne(post._id);
    await Post.deleteOne({ _id: post._id });
  }
}
"""
    files = {"package.json": MONGOOSE, "src/models.ts": MONGOOSE_MODELS, "src/clear.ts": source}
    [found] = suggest(tmp_path, files)
    assert found.message.startswith("`Post.deleteOne`")
    # Without model definitions in the project (models from a package), the dependency decides.
    (tmp_path / "src/models.ts").unlink()
    found_without = suggest(tmp_path / "other", {"package.json": MONGOOSE, "src/clear.ts": source})
    assert [f.message.split(" ")[0] for f in found_without] == ["`Cache.deleteOne`", "`Post.deleteOne`"]


def test_javascript_callbacks_are_loops(tmp_path: Path) -> None:
    source = """\
const { Review } = require("./models");

async function all(books) {
  return Promise.all(books.map(async (book) => Review.findAll({ where: { bookId: book.id } })));
}
"""
    files = {"package.json": SEQUELIZE, "models.js": SEQUELIZE_MODELS, "all.js": source}
    [found] = suggest(tmp_path, files)
    assert found.message.startswith("`Review.findAll` runs once per row of `books`")
