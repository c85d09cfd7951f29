// The schema of GET /health: which part answered, and the verdict.
import { z } from 'zod';

const check = z.enum(['ok', 'unreachable', 'stopped']);

export const healthAnswer = z.object({
  status: z.enum(['ok', 'degraded']),
  checks: z.object({
    database: check,
    temporal: check,
    worker: check.optional().describe('only in one process with a worker (`npm start`)'),
  }),
});
