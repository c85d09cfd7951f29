// PreviewIntegration on Temporal's time-skipping test server with fake
// activities: it walks Procore's lists as the initial sync does (projects,
// then active and inactive users, one activity per page), waits in plain
// sight on a rate limit and says so where the API reads it, and a failure
// no retry fixes ends it with its sentence recorded.
// (test/sync/preview-connect.test.ts runs the real activities end to end.)
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { PreviewPageInput, PreviewUserPageInput } from '../../src/activities/preview.js';
import type { PreviewProgress } from '../../src/workflows/preview-integration.js';
import { clock, pageOf, retryable, useTimeSkipping, waitsInSeconds, withPreview, type Call } from './support.js';

useTimeSkipping();

test('every list is walked page by page, in the initial sync\'s order, and the preview completes with its counts', async () => {
  const pages: string[] = [];
  const completed: string[] = [];
  const progress = await withPreview(
    `preview-${Date.now()}-walk`,
    {
      previewProjectPage: async (input: PreviewPageInput) => {
        pages.push(`projects ${input.page}`);
        return pageOf(input, 2);
      },
      previewUserPage: async (input: PreviewUserPageInput) => {
        pages.push(`${input.list} ${input.page}`);
        return pageOf(input, input.list === 'active' ? 3 : 1);
      },
      completePreview: async (input) => {
        completed.push(input.previewId);
      },
    },
    (handle) => handle.result() as Promise<PreviewProgress>,
  );
  expect(pages).toEqual(['projects 1', 'projects 2', 'active 1', 'active 2', 'active 3', 'inactive 1']);
  expect(completed).toEqual(['preview-1']);
  expect(progress).toMatchObject({ phase: 'done', state: 'ok', projects: { pagesDone: 2, created: 2 }, users: { pagesDone: 4, created: 4 } });
});

test('a rate-limited page waits what Procore asks, and the wait is recorded where the API reads it', async () => {
  const calls: Call[] = [];
  const problems: Array<string | null> = [];
  await withPreview(
    `preview-${Date.now()}-limited`,
    {
      previewProjectPage: async (input) => {
        calls.push(await clock());
        if (calls.length === 1) throw retryable({ retryAfterMs: 7_000 });
        return pageOf(input);
      },
      recordPreviewProblem: async (input) => {
        problems.push(input.message);
      },
    },
    (handle) => handle.result(),
  );
  expect(waitsInSeconds(calls)).toEqual([7]);
  expect(problems).toHaveLength(2);
  expect(problems[0]).toContain('Procore is busy');
  expect(problems[1]).toBeNull();
});

test('a failure no retry fixes ends the preview, its sentence recorded', async () => {
  const failed: string[] = [];
  const ending = withPreview(
    `preview-${Date.now()}-failed`,
    {
      beginPreview: async () => {
        throw ApplicationFailure.create({ type: 'AppNotConnected', message: 'App is not connected to this company', nonRetryable: true });
      },
      failPreview: async (input) => {
        failed.push(input.message);
      },
    },
    (handle) => handle.result(),
  );
  await expect(ending).rejects.toBeInstanceOf(WorkflowFailedError);
  expect(failed).toHaveLength(1);
  expect(failed[0]).toContain('App is not connected to this company');
});
