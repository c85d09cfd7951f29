// Procore's list paging: 1-based `page`, `per_page` clamped to the endpoint's
// maximum (default 100), bare JSON arrays, and the Total / Per-Page / Link
// headers (first, prev, next, last; no next on the last page).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProcoreSimError } from './state.js';

export const DEFAULT_PER_PAGE = 100;

/**
 * `timeoutAbove`: pages larger than this answer 408, as a huge unfiltered
 * list does on Procore.
 */
export function paginate<T>(request: FastifyRequest, reply: FastifyReply, items: T[], maxPerPage: number, timeoutAbove?: number): T[] {
  const query = request.query as Record<string, string | undefined>;
  const page = positiveInt(query['page']) ?? 1;
  const perPage = Math.min(positiveInt(query['per_page']) ?? DEFAULT_PER_PAGE, maxPerPage);
  if (timeoutAbove !== undefined && perPage > timeoutAbove) throw new ProcoreSimError(408, 'Request Timeout');
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));

  const link = (rel: string, target: number): string => {
    const url = new URL(request.url, `${request.protocol}://${request.host}`);
    url.searchParams.set('page', String(target));
    url.searchParams.set('per_page', String(perPage));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links = [link('first', 1)];
  if (page > 1) links.push(link('prev', Math.min(page - 1, lastPage)));
  if (page < lastPage) links.push(link('next', page + 1));
  links.push(link('last', lastPage));

  reply.header('Total', String(items.length));
  reply.header('Per-Page', String(perPage));
  reply.header('Link', links.join(', '));
  return items.slice((page - 1) * perPage, page * perPage);
}

function positiveInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 ? n : undefined;
}
