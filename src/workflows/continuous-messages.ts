// The messages the two continuous syncs (ContinuousUserSync,
// ContinuousProjectSync) answer: the same for both, so the API, the webhook
// route and operators' scripts speak to either the same way (src/client.ts).
// Signals carry nothing: what changed is read from Procore and the inbox,
// never from the message (history holds no data).
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SyncReport } from './sync-run.js';

/** A Procore webhook for this loop's resource is in the inbox: run a cycle now. */
export const procoreChangeSignal = defineSignal('procoreChange');
/** The integration's toggles changed: they apply from the next decision on. */
export const settingsChangedSignal = defineSignal('settingsChanged');
/** Run a full reconciliation now, whatever the interval says. */
export const resyncSignal = defineSignal('resync');
/** Stop syncing until resumed: a cycle under way is cancelled (every step is safe to repeat). */
export const pauseSignal = defineSignal('pause');
/** Go on after a pause, or after a failure someone fixed (the app installed again). */
export const resumeSignal = defineSignal('resume');
/** The integration was disconnected: the loop ends; links stay for a later connect. */
export const disconnectSignal = defineSignal('disconnect');

export const CONTINUOUS_SIGNALS = {
  settingsChanged: settingsChangedSignal,
  resync: resyncSignal,
  pause: pauseSignal,
  resume: resumeSignal,
  disconnect: disconnectSignal,
} as const;
export type ContinuousSignal = keyof typeof CONTINUOUS_SIGNALS;

/** The Procore resource a loop keeps in step. */
export type ContinuousEntity = 'users' | 'projects';

/** What one cycle did, in counts. */
export interface CycleCounts {
  /** Procore records read from the lists */
  listed: number;
  created: number;
  updated: number;
  blocked: number;
  unblocked: number;
  /** records not linked yet, decided by the connect's rules (created, or skipped with a reason) */
  decided: number;
}

export const noCounts = (): CycleCounts => ({ listed: 0, created: 0, updated: 0, blocked: 0, unblocked: 0, decided: 0 });

export interface ContinuousSyncStatus extends SyncReport {
  entity: ContinuousEntity;
  /** Procore changes up to this moment have reached Corfix (ISO); the next cycle reads from here */
  cursor: string | null;
  /** the last full reconciliation (ISO) */
  reconciledAt: string | null;
  paused: boolean;
  /** a webhook, a settings change or a resync asked for a cycle that has not run yet */
  cycleRequested: boolean;
  fullRequested: boolean;
  cycles: number;
  lastCycle: (CycleCounts & { at: string; full: boolean }) | null;
}

export const statusQuery = defineQuery<ContinuousSyncStatus>('status');
