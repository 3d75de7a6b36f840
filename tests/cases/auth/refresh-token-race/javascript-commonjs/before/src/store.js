module.exports = { accessToken: null, refreshToken: null };
