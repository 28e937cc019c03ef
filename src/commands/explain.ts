import type { Context } from '../context.js';
import { writeJson, type EXPLAIN_FIELDS } from './json-output.js';
import { agentBudgets, budgetStates } from '../budget/state.js';
import { createEvaluator, routeOf, scoreTerms } from '../rules/evaluate.js';
import { emptyHistory } from '../core/history.js';
import { formatPrRef } from '../core/pr.js';
import { isDispatchable } from '../core/verdict.js';
import { formatInt, truncate } from '../render/table.js';
import { inert } from '../render/inert.js';
import { resolvePr } from './pr-arg.js';
// The same cleaning prompts get: untrusted text without hidden or control characters.
import { sanitize } from '../dispatch/prompt.js';
import { describeApproval, describeWork } from '../dispatch/render.js';
import { accountOf, describeOffList, offListRuns } from '../budget/models.js';

/**
 * `radar explain <pr>`: the verdict taken apart — each signal with its evidence, the score's
 * arithmetic, why this tier and route, what radar already acted on, and what the PR has cost.
 * The PR is judged now, with the current config, beside what the last scan recorded.
 */
export async function run(ctx: Context, text: string): Promise<number> {
  const db = ctx.existingLedger();
  const config = ctx.config();
  const pr = resolvePr(db.prs, text);
  const rules = db.rules;
  const now = ctx.now().getTime();
  const history = rules.histories(pr.nodeId).get(pr.nodeId) ?? emptyHistory();
  const budget = agentBudgets(await budgetStates(db.usage, config, ctx.env, now, ctx.cwd));
  const evaluation = createEvaluator(config.rules)({
    pr,
    history,
    budget,
    permissions: rules.permissions().filter((p) => p.repo === pr.repo),
    now,
  });
  const { verdict } = evaluation;
  const recorded = rules.verdict(pr.nodeId);
  const acted = history.candidates.filter((c) => c.actedAt !== null);
  const sessions = history.escalations.filter(
    (e) => e.outcome !== 'dry_run' && e.outcome !== 'refused',
  );
  const reported = sessions.filter((e) => e.tokens !== null);
  const actions = db.dispatch.approvals().filter((a) => a.nodeId === pr.nodeId);
  // The models each session ran on, each checked against its agent's (account's) allowlist.
  const models = (await db.reports.escalationModels(sessions.map((e) => e.id))).map((m) => {
    const account = accountOf(config.budget.providers, m.agent, m.account);
    const off =
      m.model === null ? [] : offListRuns([{ ...m, account }], config).map(describeOffList);
    return {
      escalation: m.escalationId,
      agent: m.agent,
      account,
      model: m.model,
      tokens: m.tokens,
      flagged: off[0] ?? null,
    };
  });
  const explanation = {
    pr: formatPrRef(pr),
    title: pr.title,
    url: pr.url,
    state: pr.state,
    tier: verdict.tier,
    score: verdict.score,
    threshold: config.rules.threshold,
    route: verdict.route,
    suppressed: verdict.suppressed,
    recommendation: verdict.recommendation,
    terms: scoreTerms([...new Set(verdict.signals.map((s) => s.kind))], config.rules),
    signals: verdict.signals.map((s) => ({
      kind: s.kind,
      fingerprint: s.fingerprint,
      detail: s.detail,
      evidence: s.evidence,
      dispatchable: isDispatchable(s.kind),
      route: isDispatchable(s.kind) ? routeOf(s, config.rules) : null,
      actedOn: acted.some((c) => c.fingerprint === s.fingerprint),
    })),
    reasons: verdict.reasons,
    actedOn: acted.map((c) => ({
      fingerprint: c.fingerprint,
      at: new Date(c.actedAt!).toISOString(),
      escalation: c.escalationId,
    })),
    candidates: history.candidates.map((c) => ({
      fingerprint: c.fingerprint,
      firstSeen: new Date(c.firstSeenAt).toISOString(),
      lastSeen: new Date(c.lastSeenAt).toISOString(),
      seen: c.seenCount,
      cleared: c.clearedAt === null ? null : new Date(c.clearedAt).toISOString(),
      suppressed: c.suppressed,
    })),
    escalations: history.escalations.length,
    sessions: sessions.length,
    sessionsWithUsage: reported.length,
    tokens: reported.reduce((sum, e) => sum + (e.tokens ?? 0), 0),
    // What each session bought, as the scans judged it (`radar report outcomes`).
    outcomes: sessions.map((e) => {
      const o = history.outcomes.find((r) => r.escalationId === e.id);
      return {
        escalation: e.id,
        agent: e.agent,
        tokens: e.tokens,
        outcome: o?.outcome ?? 'pending',
        reason: o?.reason ?? 'not judged by a scan yet',
        settledAt: o?.settledAt ? new Date(o.settledAt).toISOString() : null,
      };
    }),
    models,
    head: {
      branch: pr.headRef ?? null,
      repo: pr.headRepo ?? null,
      fork: pr.headFork ?? null,
      maintainerCanModify: pr.maintainerCanModify ?? null,
      base: pr.baseRef ?? null,
    },
    work: sessions
      .filter((e) => e.work)
      .map((e) => ({ escalation: e.id, agent: e.agent, outcome: e.outcome, ...e.work! })),
    actions: actions.map((a) => ({
      id: a.id,
      kind: a.action,
      status: a.status,
      escalation: a.escalationId,
      what: describeApproval(a),
      result: a.result,
    })),
    lastScan: recorded
      ? {
          at: new Date(recorded.evaluatedAt).toISOString(),
          tier: recorded.tier,
          score: recorded.score,
          route: recorded.route,
        }
      : null,
  } satisfies Record<(typeof EXPLAIN_FIELDS)[number], unknown>;
  if (ctx.json) {
    writeJson(ctx, 'explain', explanation);
    return 0;
  }
  const out: string[] = [];
  // Title, details, reasons and quotes hold GitHub's text: one line each, nothing in them acts.
  out.push(`${explanation.pr}  ${inert(pr.title)}`);
  out.push(`  ${inert(pr.url)}`);
  out.push(
    `tier ${verdict.tier} · score ${verdict.score} (threshold ${config.rules.threshold}) · route ${verdict.route}` +
      (verdict.suppressed ? ` · held back: ${verdict.suppressed}` : ''),
  );
  if (verdict.recommendation)
    out.push(`recommendation: ${verdict.recommendation.replaceAll('_', ' ')}`);
  out.push('', 'signals:');
  if (explanation.signals.length === 0) out.push('  none');
  for (const s of explanation.signals) {
    const state = s.actedOn ? 'acted on' : s.dispatchable ? `→ ${s.route}` : 'context';
    out.push(`  ${s.kind.padEnd(19)} ${inert(s.detail)}  [${state}]`);
    out.push(`  ${''.padEnd(19)} ${inert(s.fingerprint)}`);
    const body = s.evidence.body;
    if (typeof body === 'string' && body.trim())
      out.push(
        `  ${''.padEnd(19)} “${truncate(inert(sanitize(body, 400).replace(/\s+/g, ' ')), 100)}”`,
      );
  }
  out.push('', 'score:');
  out.push(
    explanation.terms.length
      ? `  ${explanation.terms.map((t) => `${t.kind} ${t.weight}`).join(' + ')} = ${verdict.score}` +
          ' (each kind counts once; weights in rules.weights)'
      : '  0 (no signals)',
  );
  out.push('', 'why:');
  for (const r of verdict.reasons) out.push(`  - ${inert(r)}`);
  out.push('', 'already acted on:');
  if (acted.length === 0) out.push('  nothing');
  for (const a of explanation.actedOn)
    out.push(
      `  ${a.fingerprint} at ${a.at}${a.escalation !== null ? ` (escalation ${a.escalation})` : ''}`,
    );
  out.push(
    '',
    `spent: ${explanation.escalations} escalation${explanation.escalations === 1 ? '' : 's'}, ` +
      `${formatInt(explanation.tokens)} tokens` +
      (sessions.length
        ? ` (${reported.length} of ${sessions.length} sessions reported usage)`
        : ''),
  );
  for (const o of explanation.outcomes) {
    const ran = models.filter((m) => m.escalation === o.escalation);
    const on = ran.filter((m) => m.model !== null).map((m) => inert(m.model!));
    out.push(
      `  escalation ${o.escalation} (${o.agent}${on.length ? ` on ${on.join(', ')}` : ''}, ` +
        `${o.tokens === null ? '?' : formatInt(o.tokens)} tokens): ` +
        `${o.outcome.replace('_', ' ')} — ${inert(o.reason)}`,
    );
    for (const m of ran)
      if (m.flagged)
        out.push(
          `    flagged: ${inert(m.flagged)} (radar resume --model ${m.agent} once resolved)`,
        );
  }
  if (explanation.work.length || explanation.actions.length) {
    out.push('', 'what the sessions left:');
    for (const w of explanation.work) {
      out.push(
        `  escalation ${w.escalation} (${w.agent}, ${w.outcome}): ${inert(describeWork(w))}`,
      );
      for (const g of w.guards) out.push(`    not pushed: ${g.kind}: ${inert(g.reason)}`);
    }
    for (const a of explanation.actions)
      out.push(
        `  approval ${a.id} ${a.kind} ${a.status}: ${truncate(inert(a.what), 100)}${a.result ? ` (${inert(a.result)})` : ''}`,
      );
  }
  if (recorded && (recorded.tier !== verdict.tier || recorded.route !== verdict.route))
    out.push(
      `the last scan (${explanation.lastScan!.at}) said ${recorded.tier}, route ${recorded.route}; judged now: ${verdict.tier}`,
    );
  if (!recorded) out.push('no scan has judged this PR yet (radar scan)');
  ctx.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
