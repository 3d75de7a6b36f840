import express from "express";

import StatsQuery from "../schemas/default";
import { FolderParams } from "../schemas/nested";
import * as schemas from "../schemas/ns";
import { OrderQuery as Orders } from "../schemas/order.js";
import { CreateUser, ListUsers, UserOut } from "../schemas/user";

export const router = express.Router();

router.get("/users", (req, res) => {
  const query = ListUsers.parse(req.query);
  res.json({ query, orders: Orders.parse(req.query), stats: StatsQuery.parse(req.query) });
});

router.post("/users", (req, res) => {
  const user = CreateUser.parse(req.body);
  res.status(201).json(UserOut.parse({ id: 1, ...user }));
});

router.get("/folders/:folderId", (req, res) => {
  const { folderId } = FolderParams.parse(req.params);
  const limits = schemas.NsQuery.parse(req.query);
  const body = schemas.NsBody.parse(req.body);
  res.json({ folderId, limits, body });
});
