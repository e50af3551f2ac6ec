/**
 * Request parameters as the SDKs send them (omise-api.md §2.1): JSON or form, numbers as
 * numbers or numeric strings, booleans as true or "true", and "" or null meaning "not given".
 */
import { OmiseError } from '../domain/errors.js';
import { listLimitDefault, listLimitMax } from '../domain/limits.js';
import { parseTimestamp } from '../domain/time.js';
import type { ListWindow } from '../store/lists.js';

export type Params = Record<string, unknown>;

export function isGiven(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

export type IntegerParam = { kind: 'missing' } | { kind: 'invalid' } | { kind: 'ok'; value: number };

/** An integer given as a JSON number or a string of digits; fractions, text and unsafe sizes are invalid. */
export function integerParam(value: unknown): IntegerParam {
  if (!isGiven(value)) return { kind: 'missing' };
  if (typeof value === 'number') return Number.isSafeInteger(value) ? { kind: 'ok', value } : { kind: 'invalid' };
  if (typeof value === 'string' && /^\s*-?\d{1,16}\s*$/.test(value)) {
    const parsed = Number(value.trim());
    return Number.isSafeInteger(parsed) ? { kind: 'ok', value: parsed } : { kind: 'invalid' };
  }
  return { kind: 'invalid' };
}

/** A string parameter (numbers count as their text): undefined when not given, null when not text. */
export function stringParam(value: unknown): string | undefined | null {
  if (!isGiven(value)) return undefined;
  // NUL has no place in any parameter (and PostgreSQL cannot store it).
  if (typeof value === 'string') return value.includes('\u0000') ? null : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

declare global {
  interface String {
    /** ES2024 (Node 20 has it; the ES2022 lib this project compiles against does not declare it). */
    isWellFormed(): boolean;
  }
}

/** Text no parameter may hold: PostgreSQL cannot store a NUL, and a lone surrogate is not text at all. */
export type UnstorableText = 'NUL characters' | 'lone surrogates';

function unstorableIn(text: string): UnstorableText | undefined {
  if (text.includes('\u0000')) return 'NUL characters';
  if (!text.isWellFormed()) return 'lone surrogates';
  return undefined;
}

/**
 * The first parameter, in a parsed query string or body, whose name or text holds a NUL or a
 * lone surrogate, at any depth; named as a form would name it (`metadata[note]`, `webhook_endpoints[0]`).
 */
export function findUnstorableText(value: unknown, name = ''): { name: string; problem: UnstorableText } | undefined {
  if (typeof value === 'string') {
    const problem = unstorableIn(value);
    return problem && { name, problem };
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnstorableText(item, `${name}[${index}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (isPlainObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      const childName = name === '' ? key : `${name}[${key}]`;
      const problem = unstorableIn(key);
      if (problem) return { name: childName, problem };
      const found = findUnstorableText(child, childName);
      if (found) return found;
    }
  }
  return undefined;
}

/** A parameter's name as a message can show it: escaped as JSON escapes it, and not too long. */
export function printableParamName(name: string): string {
  const escaped = JSON.stringify(name).slice(1, -1);
  return escaped.length > 100 ? `${escaped.slice(0, 100)}...` : escaped;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The nesting depth of a parsed body; bodies deeper than the limit are refused. */
export function nestingDepth(value: unknown, depthMax: number, depth = 0): number {
  if (depth > depthMax || typeof value !== 'object' || value === null) return depth;
  let deepest = depth;
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, nestingDepth(child, depthMax, depth + 1));
    if (deepest > depthMax) break;
  }
  return deepest;
}

/** from, to, offset, limit and order of a list request (omise-api.md §10, DECISIONS §9). */
export function parseListWindow(params: Params, nowMs: number): ListWindow {
  const limit = integerParam(params.limit);
  if (limit.kind === 'invalid' || (limit.kind === 'ok' && limit.value < 1)) {
    throw new OmiseError('invalid_per_page', 'limit must be a positive integer');
  }
  const offset = integerParam(params.offset);
  if (offset.kind === 'invalid' || (offset.kind === 'ok' && offset.value < 0)) {
    throw new OmiseError('invalid_page', 'offset must be a non-negative integer');
  }
  const fromMs = timestampParam(params.from, 'from') ?? 0;
  const toGiven = timestampParam(params.to, 'to');
  // A `to` given in whole seconds includes everything created during that second.
  const toMs = toGiven === undefined ? nowMs : toGiven + (toGiven % 1000 === 0 ? 999 : 0);
  const orderGiven = stringParam(params.order);
  const order = orderGiven === undefined ? 'chronological' : orderGiven;
  if (order !== 'chronological' && order !== 'reverse_chronological') {
    throw new OmiseError('invalid_filter', 'order must be chronological or reverse_chronological');
  }
  return {
    fromMs,
    toMs,
    offset: offset.kind === 'ok' ? offset.value : 0,
    limit: limit.kind === 'ok' ? Math.min(limit.value, listLimitMax) : listLimitDefault,
    order,
  };
}

function timestampParam(value: unknown, name: string): number | undefined {
  if (!isGiven(value)) return undefined;
  const text = stringParam(value);
  const ms = typeof text === 'string' ? parseTimestamp(text) : null;
  if (ms === null) throw new OmiseError('invalid_filter', `${name} must be an ISO 8601 date and time`);
  return ms;
}
