"""Rules for the Node.js ORMs other than Prisma: TypeORM, Sequelize and Mongoose."""
