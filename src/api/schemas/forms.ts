// The schemas of /v1/integrations/{account}/forms/{form_id}: one Corfix
// form's upload to Procore, and an operator's retry of it.
import { z } from 'zod';
import { FORM_STATES } from '../../db/repositories/form-links.js';
import { CORFIX_ACCOUNT_ID, corfixAccountIdMessage, corfixId } from './integrations.js';

export const formParams = z
  .object({
    corfix_account_id: z.string().regex(CORFIX_ACCOUNT_ID, corfixAccountIdMessage),
    form_id: corfixId('a Corfix form id'),
  })
  .strict();

export const formUpload = z.object({
  form_id: z.string(),
  state: z.enum(FORM_STATES).describe('pending (announced, not filed yet), retrying, uploaded, failed (given up on: POST .../retry), skipped'),
  latest_revision: z.number().int().nullable().describe('the newest revision a webhook announced'),
  uploaded_revision: z.number().int().nullable().describe('the revision Procore holds'),
  procore: z.object({
    project_id: z.string().nullable(),
    folder_id: z.string().nullable(),
    file_id: z.string().nullable(),
    file_name: z.string().nullable().describe('the name Procore gave the file (with " (1)" when the name was taken)'),
    versions: z.number().int().nullable(),
  }),
  last_error: z.string().nullable().describe('the problem in words, while retrying or after failing'),
  next_try_at: z.string().nullable(),
  failed_at: z.string().nullable(),
  workflow_id: z.string(),
  updated_at: z.string(),
});

export const formRetryAccepted = z.object({
  form_id: z.string(),
  workflow_id: z.string(),
  signalled: z.boolean().describe('false: Temporal did not answer in time; the retry waits in the inbox and the reconciler hands it over'),
});
