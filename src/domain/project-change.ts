// What a change in Procore does to a project this integration already linked
// (docs/rules.md, Project changes): its Corfix status follows the seed's
// rule on every change, and its fields follow Procore's. Projects not linked
// yet are decided by the initial sync's rules (project-decision.ts): a new
// active or upcoming project is created, and so is one never created because
// it was completed, once it becomes active or upcoming; a completed one never is.
import { sameMoment } from './moments.js';
import type { ProcoreProjectRecord } from './procore-records.js';
import { projectStatus, type CorfixProjectStatus } from './project-status.js';

export interface ProjectLinkMemory {
  lastProcoreUpdatedAt: string | null;
  lastCorfixStatus: CorfixProjectStatus;
}

export type ProjectChange =
  | {
      /** the status to write, when it differs from the one last written */
      status: CorfixProjectStatus | null;
      /** the Procore record changed since it was last written */
      recordChanged: boolean;
    }
  | { unreadable: 'start_date' };

/**
 * The status is decided anew on every look (`today` moves an upcoming
 * project to completed once its start date has passed, with no change in
 * Procore); a start date the rule cannot read leaves the project alone,
 * reported as invalid_record.
 */
export function decideProjectChange(project: ProcoreProjectRecord, link: ProjectLinkMemory, today: string): ProjectChange {
  const status = projectStatus(project, today);
  if (typeof status !== 'string') return status;
  return {
    status: status === link.lastCorfixStatus ? null : status,
    recordChanged: !sameMoment(project.updatedAt, link.lastProcoreUpdatedAt),
  };
}
