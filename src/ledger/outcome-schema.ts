import { OUTCOMES } from '../core/outcome.js';

/**
 * Migration 19: what each escalation bought, as later scans judge it (rules/outcome.ts). One row
 * per escalation: `pending` rows are judged again by every scan; any other outcome is final
 * (`settled_at` set), and a later scan never rewrites it.
 */
export const ESCALATION_OUTCOMES = `
CREATE TABLE escalation_outcomes (
  escalation_id INTEGER PRIMARY KEY,
  outcome TEXT NOT NULL CHECK (outcome IN (${OUTCOMES.map((o) => `'${o}'`).join(', ')})),
  reason TEXT NOT NULL,
  first_judged_at INTEGER NOT NULL,
  settled_at INTEGER
);
CREATE INDEX token_events_escalation ON token_events(escalation_id) WHERE escalation_id IS NOT NULL;
`;
