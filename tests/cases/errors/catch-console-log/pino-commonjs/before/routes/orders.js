'use strict'

const express = require('express')
const db = require('../db')

const router = express.Router()

router.get('/', async (req, res) => {
  try {
    res.json(await db.orders.list())
  } catch (error) {
    console.log('Error:', error)
    res.status(500).json({ error: 'Something went wrong' })
  }
})

module.exports = router
