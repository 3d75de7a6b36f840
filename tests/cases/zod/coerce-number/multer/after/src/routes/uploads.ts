import express from "express";
import multer from "multer";
import { z } from "zod";

import { validate } from "../validate";

export const router = express.Router();
const upload = multer({ dest: "uploads/" });

const ImportOptions = z.object({ defaultStock: z.coerce.number().int().default(0) });
const Meta = z.object({ width: z.coerce.number() });
const Gallery = z.object({ columns: z.coerce.number() });

router.post("/import", upload.single("file"), validate({ body: ImportOptions }), (_req, res) => {
  res.status(202).end();
});

router.post("/meta", upload.none(), async (req, res) => {
  const meta = Meta.parse(req.body);
  res.json(meta);
});

router.post("/gallery", multer().array("photos", 5), (req, res) => {
  res.json(Gallery.parse(req.body));
});
