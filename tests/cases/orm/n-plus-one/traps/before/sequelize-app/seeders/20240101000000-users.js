const { User } = require("../models");

module.exports = {
  async up() {
    for (const email of ["a@example.com", "b@example.com"].concat(process.env.SEED_EMAILS.split(","))) {
      await User.create({ email, role: "member" });
    }
  },
};
