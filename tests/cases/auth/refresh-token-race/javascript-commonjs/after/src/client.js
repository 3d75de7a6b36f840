"use strict";
const axios = require("axios");
const store = require("./store");

// One token refresh at a time (handrail: auth/refresh-token-race). A 401 that arrives while a
// refresh runs waits for it; a late 401 for a request sent before the last refresh finished
// (same `sentWith`) reuses that refresh instead of starting another.
let refreshInFlight = null;
let lastRefresh = null;
let refreshCount = 0;

function refreshOnce(sentWith, refresh) {
  if (lastRefresh !== null && sentWith != null && lastRefresh.sentWith === sentWith) {
    return Promise.resolve(lastRefresh.result);
  }
  if (refreshInFlight === null) {
    refreshInFlight = Promise.resolve(refresh())
      .then(
        (result) => {
          refreshCount += 1;
          lastRefresh = { sentWith, result };
          return result;
        },
        (error) => {
          lastRefresh = null;
          throw error;
        },
      )
      .finally(() => {
        refreshInFlight = null;
      });
  }
  return refreshInFlight;
}

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
  await refreshOnce(err.config?.headers?.Authorization, () => renewSession());
  return client(err.config);
});

module.exports = client;
