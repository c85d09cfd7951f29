// What a change in Procore does to a record this integration already linked
// (docs/rules.md, User changes and Project changes): the pure rules decide
// (src/domain/worker-change.ts, project-change.ts), this writes it to Corfix,
// remembers on the link what Procore said and what Corfix answered, and
// writes the report row. Safe to repeat: a repeat finds the link up to date.
// A record someone deleted in Corfix is one report row (missing_in_corfix),
// never a failure that stops the integration.
import { CorfixIllegalTransitionError, CorfixNotFoundError, CorfixRequestRejectedError } from '../corfix/errors.js';
import type { CorfixWorker } from '../corfix/schemas.js';
import type { Integration } from '../db/repositories/integrations.js';
import { rememberProjectState, rememberWorkerState, type ProjectLink, type WorkerLink } from '../db/repositories/links.js';
import { recordOutcomes } from '../db/repositories/sync-outcomes.js';
import { decideProjectChange, type ProjectChange } from '../domain/project-change.js';
import { projectFields } from '../domain/project-fields.js';
import { isProjectSelected } from '../domain/project-selection.js';
import { outcomeOfReason, type Reason } from '../domain/sync-outcome.js';
import { decideWorkerChange, userDiffersFromLink, type WorkerChange } from '../domain/worker-change.js';
import { workerFields } from '../domain/worker-fields.js';
import type { ProcoreProject, ProcoreUser } from '../procore/schemas.js';
import type { CycleCounts } from '../workflows/continuous-messages.js';
import type { ActivityDependencies } from './activity-support.js';
import { fieldsHash, projectFieldsWithoutStatus } from './entity-rules.js';

interface Report {
  reason: Reason;
  field: string | null;
}

/** What the link remembers of the Procore user now (a deleted one: no longer active). */
const procoreStateOf = (user: ProcoreUser | 'deleted') =>
  user === 'deleted'
    ? { lastProcoreIsActive: false }
    : { lastProcoreIsActive: user.isActive, lastProcoreIsEmployee: user.isEmployee, lastProcoreUpdatedAt: user.updatedAt };

/** What a Procore project asks of the Corfix project linked to it; undefined: nothing to write, nothing new to remember. */
function changeWaiting(project: ProcoreProject, link: ProjectLink, today: string): ProjectChange | undefined {
  const change = decideProjectChange(project, link, today);
  if (!('unreadable' in change) && change.status === null && !change.recordChanged && project.active === link.lastProcoreActive) return undefined;
  return change;
}

export function createLinkedChanges(deps: Pick<ActivityDependencies, 'db' | 'clients'>) {
  const { db, clients } = deps;

  /** The record's report row; a change that did something in Corfix is counted under its outcome. */
  async function report(integration: Integration, entity: 'user' | 'project', procoreId: string, corfixId: string, row: Report, counts: CycleCounts) {
    const outcome = outcomeOfReason(row.reason);
    await recordOutcomes(db, integration.id, [{ entity, procoreId, outcome, reason: row.reason, field: row.field, corfixId }]);
    if (outcome === 'updated' || outcome === 'blocked' || outcome === 'unblocked') counts[outcome] += 1;
  }

  /**
   * Runs `write` (the Corfix calls of one change); a 404 for the record
   * itself answers `missing_in_corfix`. The account is checked first: a 404
   * for the account itself stops the sync, as any call to it would.
   */
  async function unlessMissing<T>(integration: Integration, write: () => Promise<T>): Promise<T | 'missing'> {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof CorfixNotFoundError)) throw error;
      await clients.corfix.getAccount(integration.corfixAccountId);
      return 'missing';
    }
  }

  /**
   * The fields when the record changed (an email another worker has is left
   * out and reported), then a block or an unblock. Corfix's answer is the
   * status remembered.
   */
  async function writeWorker(
    integration: Integration,
    user: ProcoreUser | 'deleted',
    link: WorkerLink,
    change: WorkerChange,
  ): Promise<{ status: string; syncedFieldsHash?: string; report?: Report }> {
    const account = integration.corfixAccountId;
    const workerId = link.corfixWorkerId;
    const done: { status: string; syncedFieldsHash?: string; report?: Report } = { status: link.lastCorfixStatus };

    if (change.recordChanged && user !== 'deleted') {
      const mapped = workerFields(user, { companyId: integration.procoreCompanyId });
      if (!mapped.valid) {
        done.report = { reason: 'invalid_record', field: mapped.field };
      } else if (fieldsHash(mapped.fields) !== link.syncedFieldsHash) {
        let written: CorfixWorker;
        try {
          written = await clients.corfix.updateWorker(account, workerId, mapped.fields);
          done.report = { reason: 'fields_changed', field: null };
        } catch (error) {
          if (!(error instanceof CorfixRequestRejectedError && error.code === 'email_taken')) throw error;
          const { email: _taken, ...rest } = mapped.fields;
          written = await clients.corfix.updateWorker(account, workerId, rest);
          done.report = { reason: 'email_taken', field: 'email' };
        }
        done.status = written.status;
        done.syncedFieldsHash = fieldsHash(mapped.fields);
      }
    }

    const to = change.status;
    if (to) {
      try {
        const worker = to.to === 'blocked' ? await clients.corfix.blockWorker(account, workerId) : await clients.corfix.unblockWorker(account, workerId);
        done.status = worker.status;
        done.report = { reason: to.reason, field: null };
      } catch (error) {
        if (!(error instanceof CorfixIllegalTransitionError)) throw error;
        done.status = error.currentStatus;
        // Already where it should be (blocked by someone, unblocked by someone), or never activated: left as it is.
        done.report = { reason: error.alreadyInTargetState ? to.reason : 'pending_activation', field: null };
      }
    }
    return done;
  }

  /** The project's status by the seed's rule, its fields when the record changed; Corfix's answer is the status remembered. */
  async function writeProject(
    integration: Integration,
    project: ProcoreProject,
    link: ProjectLink,
    today: string,
  ): Promise<{ status: ProjectLink['lastCorfixStatus']; syncedFieldsHash?: string; report?: Report } | undefined> {
    const change = changeWaiting(project, link, today);
    if (change === undefined) return undefined;
    if ('unreadable' in change) return { status: link.lastCorfixStatus, report: { reason: 'invalid_record', field: change.unreadable } };
    const mapped = change.recordChanged ? projectFields(project, { companyId: integration.procoreCompanyId, today }) : undefined;
    const fields = mapped?.valid ? projectFieldsWithoutStatus(mapped.fields) : undefined;
    const hash = fields ? fieldsHash(fields) : undefined;
    const writeFields = fields !== undefined && hash !== link.syncedFieldsHash;
    const done: { status: ProjectLink['lastCorfixStatus']; syncedFieldsHash?: string; report?: Report } = { status: link.lastCorfixStatus };
    if (change.status !== null || writeFields) {
      const written = await clients.corfix.updateProject(integration.corfixAccountId, link.corfixProjectId, {
        ...(writeFields ? fields : {}),
        ...(change.status !== null ? { status: change.status } : {}),
      });
      done.status = written.status;
    }
    if (writeFields) done.syncedFieldsHash = hash as string;
    if (mapped && !mapped.valid) done.report = { reason: 'invalid_record', field: mapped.field };
    else if (change.status !== null) done.report = { reason: 'status_changed', field: null };
    else if (writeFields) done.report = { reason: 'fields_changed', field: null };
    return done;
  }

  return {
    /** Applies a change in Procore (or its deletion) to a linked worker. */
    async changeWorker(integration: Integration, user: ProcoreUser | 'deleted', link: WorkerLink, counts: CycleCounts): Promise<void> {
      // Nothing to do and nothing new to remember (a full pass looks at every linked user).
      const change = decideWorkerChange(user, link, { syncEmployeesOnly: integration.syncEmployeesOnly });
      if (change.status === null && user !== 'deleted' && !userDiffersFromLink(user, link)) return;
      const done = await unlessMissing(integration, () => writeWorker(integration, user, link, change));
      // Remembered either way, so that a worker missing in Corfix is not asked for again until Procore changes it.
      const written = done === 'missing' ? { status: link.lastCorfixStatus } : done;
      await rememberWorkerState(db, integration.id, link.procoreUserId, {
        ...procoreStateOf(user),
        lastCorfixStatus: written.status,
        ...(written.syncedFieldsHash === undefined ? {} : { syncedFieldsHash: written.syncedFieldsHash }),
      });
      const row = done === 'missing' ? { reason: 'missing_in_corfix' as const, field: null } : done.report;
      if (row) await report(integration, 'user', link.procoreUserId, link.corfixWorkerId, row, counts);
    },

    /**
     * Applies a change in Procore to a linked project. One the project
     * selection leaves out stays linked, but nothing is written to it: a
     * change waiting is reported (not_selected) and not remembered, so that
     * once the project is included again its next full cycle writes it.
     */
    async changeProject(integration: Integration, project: ProcoreProject, link: ProjectLink, today: string, counts: CycleCounts): Promise<void> {
      if (!isProjectSelected(integration.projectSelection, project.id)) {
        if (changeWaiting(project, link, today)) {
          await report(integration, 'project', project.id, link.corfixProjectId, { reason: 'not_selected', field: null }, counts);
        }
        return;
      }
      const done = await unlessMissing(integration, () => writeProject(integration, project, link, today));
      if (done === undefined) return;
      const written = done === 'missing' ? { status: link.lastCorfixStatus } : done;
      await rememberProjectState(db, integration.id, project.id, {
        lastProcoreActive: project.active,
        lastProcoreUpdatedAt: project.updatedAt,
        lastCorfixStatus: written.status,
        ...(written.syncedFieldsHash === undefined ? {} : { syncedFieldsHash: written.syncedFieldsHash }),
      });
      const row = done === 'missing' ? { reason: 'missing_in_corfix' as const, field: null } : done.report;
      if (row) await report(integration, 'project', project.id, link.corfixProjectId, row, counts);
    },
  };
}
