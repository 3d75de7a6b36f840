import { type BaseQuery, fetchBaseQuery } from "./rtk";

let accessToken = "";

const baseQuery = fetchBaseQuery({ baseUrl: "/api", token: () => accessToken });

// The RTK Query "re-authorization" wrapper from the docs, without their mutex.
export const baseQueryWithReauth: BaseQuery = async (url) => {
  let result = await baseQuery(url);
  if (result.error && result.error.status === 401) {
    const refreshResult = await baseQuery("/auth/refreshToken");
    if (refreshResult.data?.accessToken) {
      accessToken = refreshResult.data.accessToken;
      result = await baseQuery(url);
    }
  }
  return result;
};
