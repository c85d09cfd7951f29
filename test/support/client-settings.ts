// API client settings for tests whose clients never reach an API (port 9 answers nothing).
export const unreachableClientSettings = {
  PROCORE_API_BASE_URL: 'http://127.0.0.1:9',
  PROCORE_AUTH_BASE_URL: 'http://127.0.0.1:9',
  PROCORE_CLIENT_ID: 'id',
  PROCORE_CLIENT_SECRET: 'secret',
  CORFIX_API_BASE_URL: 'http://127.0.0.1:9',
  CORFIX_API_TOKEN: 'token',
};
