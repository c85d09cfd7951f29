// `npm start` checks that the namespace knows our search attributes. It adds
// the missing ones where the server lets it (self-hosted, dev server); where it
// may not (Temporal Cloud), it stops and names them with the command to run.
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from './search-attributes.js';

export class MissingSearchAttributesError extends Error {
  constructor(
    readonly missing: string[],
    namespace: string,
    cause: string,
  ) {
    super(
      `Temporal namespace "${namespace}" lacks the search attributes ${missing.join(', ')} and they could not be added (${cause}). ` +
        `Add them, then start again: ${missing
          .map((n) => `temporal operator search-attribute create --namespace ${namespace} --name ${n} --type Keyword`)
          .join(' && ')}`,
    );
    this.name = 'MissingSearchAttributesError';
  }
}

/** Returns the names it added (empty when all were there). */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
  const existing = customAttributes ?? {};
  const missing = SEARCH_ATTRIBUTES.filter((k) => existing[k.name] === undefined).map((k) => k.name);
  if (missing.length === 0) return [];
  try {
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((n) => [n, proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
    });
  } catch (error) {
    throw new MissingSearchAttributesError(missing, namespace, error instanceof Error ? error.message : String(error));
  }
  return missing;
}
