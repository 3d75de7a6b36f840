import express from "express";
import { z } from "zod";

export const router = express.Router();

const Paging = z.object({ page: z.coerce.number().int() });
const ProductQuery = Paging.extend({ q: z.string().optional() });

const Price = z.object({ min: z.coerce.number(), max: z.coerce.number(), currency: z.string() });
const PriceQuery = Price.pick({ min: true, max: true }).partial();

const Inner = z.object({ depth: z.coerce.number() });
const Outer = z.object({ inner: Inner });

const Left = z.object({ left: z.coerce.number() });
const Right = z.object({ right: z.string() });
const Both = Right.merge(Left);

const Lazy = z.object({ level: z.coerce.number() });
const Tree = z.object({ child: z.lazy(() => Lazy) });

const Line = z.object({ quantity: z.coerce.number().int() });
const Lines = z.array(Line).min(1);
const OrderBody = z.object({ lines: Lines, note: z.string().optional() });

const Patch = z.object({ stock: z.coerce.number() });
const PatchBody = Patch.partial();

router.get("/products", (req, res) => {
  const query = ProductQuery.parse(req.query);
  const price = PriceQuery.parse(req.query);
  const nested = Outer.parse(req.query);
  const both = Both.parse(req.query);
  const tree = Tree.parse(req.query);
  res.json({ query, price, nested, both, tree });
});

router.post("/orders", (req, res) => {
  const order = OrderBody.parse(req.body);
  const patch = PatchBody.parse(req.body);
  res.json({ order, patch });
});
