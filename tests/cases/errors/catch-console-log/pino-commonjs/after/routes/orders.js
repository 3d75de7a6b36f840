'use strict'

const express = require('express')
const db = require('../db')
const { logger } = require('../lib/logger')

const router = express.Router()

router.get('/', async (req, res) => {
  try {
    res.json(await db.orders.list())
  } catch (error) {
    logger.error({ err: error }, 'Error')
    res.status(500).json({ error: 'Something went wrong' })
  }
})

module.exports = router
