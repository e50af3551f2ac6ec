/**
 * The audit log as a person reads it: actions in words, amounts in baht, targets linked, the reason
 * an operator gave, times in Bangkok (the template formats them).
 */
import type { AuditEntry } from '../../store/schema.js';
import { type Words, hasMessage } from './i18n.js';

export interface AuditDetail {
  label: string;
  value: string;
  /** Shown in a monospace font: ids, URLs, settings as JSON. */
  mono: boolean;
}

export interface AuditRow {
  id: string;
  createdAt: number;
  who: string;
  action: string;
  what: string;
  mode: string | null;
  target: { text: string; href: string | null } | null;
  reason: string | null;
  details: AuditDetail[];
}

/** Detail keys that carry satang. */
const moneyKeys = new Set(['amount']);
/** Detail keys whose values are funding-source codes. */
const fundingKeys = new Set(['funding_source', 'defaultFundingSource', 'scripted_funding_source']);
/** Detail keys whose values are charge statuses (a scripted outcome). */
const statusKeys = new Set(['defaultOutcome']);

/** Where a target of an action is shown, when the dashboard has a page for it. */
function targetLink(action: string, target: string, details: Record<string, unknown>): string | null {
  if (/^chrg_(test|live)_[0-9a-z]{1,40}$/.test(target)) return `/dashboard/charges/${target}`;
  if (action === 'event.redeliver' && typeof details.charge === 'string' && /^chrg_(test|live)_[0-9a-z]{1,40}$/.test(details.charge)) return `/dashboard/charges/${details.charge}`;
  if (action.startsWith('webhook_endpoint.') || action.startsWith('webhook_secret.')) return '/dashboard/webhooks';
  if (action === 'key.roll') return '/dashboard/keys';
  return null;
}

function parseDetails(text: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function detailOf(w: Words, key: string, value: unknown): AuditDetail {
  const label = hasMessage(`audit.page.detail.${key}`) ? w.t(`audit.page.detail.${key}`) : key;
  if (moneyKeys.has(key) && typeof value === 'number' && Number.isSafeInteger(value)) return { label, value: w.fmt.money(value), mono: false };
  if (fundingKeys.has(key) && typeof value === 'string') return { label, value: w.fmt.code('funding', value), mono: false };
  if (statusKeys.has(key) && typeof value === 'string' && hasMessage(`status.${value}`)) return { label, value: w.fmt.code('status', value), mono: false };
  if (key === 'seconds' && typeof value === 'number') return { label, value: w.fmt.span(value * 1000), mono: false };
  if (typeof value === 'boolean') return { label, value: w.t(value ? 'audit.page.yes' : 'audit.page.no'), mono: false };
  if (typeof value === 'number') return { label, value: w.fmt.number(value), mono: false };
  if (typeof value === 'string') {
    if (hasMessage(`audit.page.value.${value}`)) return { label, value: w.t(`audit.page.value.${value}`), mono: false };
    return { label, value, mono: /^[a-z]{4}_|^https?:/.test(value) };
  }
  return { label, value: JSON.stringify(value) ?? '', mono: true };
}

export function auditRows(entries: AuditEntry[], w: Words): AuditRow[] {
  return entries.map((entry) => {
    const details = parseDetails(entry.details);
    const reason = typeof details.reason === 'string' && details.reason !== '' ? details.reason : null;
    const shown = Object.entries(details).filter(([key]) => key !== 'reason' && !(entry.action === 'event.redeliver' && key === 'charge'));
    return {
      id: entry.id,
      createdAt: entry.created_at,
      // The `satang` command's lines name it (cli/admin.ts: operator id satang-command), in the page's language.
      who: entry.operator_id === 'satang-command' ? w.t('audit.page.command') : entry.operator_email,
      action: entry.action,
      what: w.fmt.code('audit', entry.action),
      mode: entry.livemode === null ? null : w.t(entry.livemode ? 'layout.mode.live' : 'layout.mode.test'),
      target: entry.target === null ? null : { text: entry.target, href: targetLink(entry.action, entry.target, details) },
      reason,
      details: shown.map(([key, value]) => detailOf(w, key, value)),
    };
  });
}
