"use strict";
const axios = require("axios");
const store = require("./store");

const client = axios.create({ baseURL: process.env.API_URL });

client.interceptors.request.use((config) => {
  config.headers.Authorization = `Bearer ${store.accessToken}`;
  return config;
});

async function renewSession() {
  const { data } = await axios.post(`${process.env.API_URL}/oauth/token`, {
    grant_type: "refresh_token",
    refresh_token: store.refreshToken,
  });
  store.accessToken = data.access_token;
  store.refreshToken = data.refresh_token;
}

client.interceptors.response.use(undefined, async (err) => {
  if (!err.response || err.response.status !== 401 || err.config.sent) {
    throw err;
  }
  err.config.sent = true;
  await renewSession();
  return client(err.config);
});

module.exports = client;
