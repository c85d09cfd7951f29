// Where the status page lives, built in one place: the page links to itself,
// and the alerts and the operator CLI link to it.

/** The status page of every integration. */
export const STATUS_PAGE_PATH = '/';

/** The status page of one integration. */
export const integrationStatusPath = (corfixAccountId: string) => `/status/${encodeURIComponent(corfixAccountId)}`;

/**
 * A status page's address under the service's public address (PUBLIC_URL),
 * as links in alerts and the CLI give it; without PUBLIC_URL, its path on the API.
 */
export const statusPageAddress = (publicUrl: string | undefined, path: string): string =>
  publicUrl === undefined ? path : `${publicUrl.replace(/\/+$/, '')}${path}`;

/** The status page of one integration under the service's public address (PUBLIC_URL), as links in alerts give it. */
export const integrationStatusUrl = (publicUrl: string, corfixAccountId: string) => statusPageAddress(publicUrl, integrationStatusPath(corfixAccountId));

/** The route that serves integrationStatusPath (its parameter named as the /v1 routes name it). */
export const INTEGRATION_STATUS_ROUTE = '/status/:corfix_account_id';

/** The status page of one preview of a connect. */
export const previewStatusPagePath = (previewId: string) => `/status/previews/${encodeURIComponent(previewId)}`;

/** The route that serves previewStatusPagePath. */
export const PREVIEW_STATUS_ROUTE = '/status/previews/:preview_id';
