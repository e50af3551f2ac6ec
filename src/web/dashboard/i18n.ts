/**
 * The dashboard's two languages: which one a request gets, its words, and how it writes numbers,
 * baht and times.
 *
 * - The language is the `satang_lang` cookie (set by the switch in every page's header, remembered
 *   for a year), else the browser's Accept-Language (negotiator), else English.
 * - Words live in catalogs under `messages/`, one per area of the dashboard, each with the same
 *   keys in English and Thai (the type says so; a test checks it again at run time). A key not in
 *   any catalog is a programming error and throws, so a page never shows a raw key to a person.
 * - Times are Asia/Bangkok (UTC+7, no daylight saving) everywhere; the layout names the zone.
 *   English writes `2026-11-29 23:54:18`; Thai writes the Thai calendar's date (`29 พ.ย. 2569 23:54:18`).
 */
import Negotiator from 'negotiator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bangkokOffsetMs } from '../../domain/time.js';
import { cookiePath } from './security.js';
import { commonMessages } from './messages/common.js';
import { codeMessages } from './messages/codes.js';
import { pageMessages } from './messages/pages.js';
import { chargeMessages } from './messages/charge.js';
import { operatorMessages } from './messages/operators.js';
import { chargesMessages } from './messages/charges.js';
import { liveMessages } from './messages/live.js';
import type { Catalog } from './messages/catalog.js';

export { catalog, type Catalog } from './messages/catalog.js';

export const langs = ['en', 'th'] as const;
export type Lang = (typeof langs)[number];
export const langCookie = 'satang_lang';

export function isLang(value: unknown): value is Lang {
  return value === 'en' || value === 'th';
}

/** Every catalog the dashboard uses. An area adds its own file under messages/ and one line here. */
export const catalogs: Record<string, Catalog> = {
  common: commonMessages,
  codes: codeMessages,
  pages: pageMessages,
  charge: chargeMessages,
  operators: operatorMessages,
  charges: chargesMessages,
  live: liveMessages,
};

function merge(lang: Lang): Map<string, string> {
  const all = new Map<string, string>();
  for (const [area, messages] of Object.entries(catalogs)) {
    for (const [key, text] of Object.entries(messages[lang])) {
      if (all.has(key)) throw new Error(`dashboard message ${key} is defined twice (again in ${area})`);
      all.set(key, text);
    }
  }
  return all;
}

const words: Record<Lang, Map<string, string>> = { en: merge('en'), th: merge('th') };

/** Does a catalog have this key (for words of codes that may be unknown, such as an old audit action)? */
export function hasMessage(key: string): boolean {
  return words.en.has(key);
}

export type Params = Record<string, string | number>;
export type Translate = (key: string, params?: Params) => string;

/** `t('charges.count', { n: 3 })`: the key's words with `{n}` filled in (plain text; templates escape it). */
export function translator(lang: Lang): Translate {
  const table = words[lang];
  return (key, params) => {
    const text = table.get(key);
    if (text === undefined) throw new Error(`dashboard message ${key} is not in any catalog`);
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  };
}

/** The request's language: the remembered choice, else what the browser prefers, else English. */
export function langOf(request: FastifyRequest): Lang {
  const chosen = request.cookies?.[langCookie];
  if (isLang(chosen)) return chosen;
  const header = request.headers['accept-language'];
  if (typeof header !== 'string' || header.length > 1000) return 'en';
  const preferred = new Negotiator({ headers: { 'accept-language': header } }).language([...langs]);
  return isLang(preferred) ? preferred : 'en';
}

/** Remembers a language choice for a year. */
export function rememberLang(reply: FastifyReply, lang: Lang, secure: boolean): void {
  reply.setCookie(langCookie, lang, { path: cookiePath, httpOnly: true, sameSite: 'lax', secure, maxAge: 365 * 24 * 3600 });
}

const groupedInteger: Record<Lang, Intl.NumberFormat> = {
  en: new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }),
  th: new Intl.NumberFormat('th-TH', { maximumFractionDigits: 0 }),
};
const percent: Record<Lang, Intl.NumberFormat> = {
  en: new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }),
  th: new Intl.NumberFormat('th-TH', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }),
};
const thaiDateTime = new Intl.DateTimeFormat('th-TH', {
  timeZone: 'Asia/Bangkok',
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});
const thaiDate = new Intl.DateTimeFormat('th-TH', { timeZone: 'Asia/Bangkok', year: 'numeric', month: 'short', day: 'numeric' });

/** How a page writes things for a person in its language. */
export interface Formatters {
  lang: Lang;
  /** A whole number with the language's grouping: 1,234,567. */
  number(n: number): string;
  /** Satang as baht, exact (integer arithmetic), without the sign: 1,234.56. */
  baht(satang: number): string;
  /** Satang as baht with the currency sign: ฿1,234.56. */
  money(satang: number): string;
  /** A share (0..1) as a percentage with one decimal, or — when there is nothing to share. */
  percent(share: number | null): string;
  /** A time in Bangkok; — for none. */
  when(ms: number | null | undefined): string;
  /** A Bangkok calendar date. */
  date(ms: number): string;
  /** A length of time: 1 d 2 h 5 min / 1 วัน 2 ชม. 5 นาที. */
  span(ms: number): string;
  /**
   * A code in words (`status.pending`, `funding.wallet_balance`, `failure.payment_expired`, `audit.charge.refund`, a live provider's
   * `confirmation.unapplied` and `origin.callback`): the words, or the code itself when no catalog knows it.
   */
  code(kind: 'status' | 'funding' | 'failure' | 'audit' | 'event' | 'confirmation' | 'origin', code: string | null | undefined): string;
}

/** 123456 satang → "1,234.56" (grouping as the language writes it; the same digits in both). */
function bahtText(lang: Lang, satang: number): string {
  const sign = satang < 0 ? '-' : '';
  const abs = Math.abs(satang);
  return `${sign}${groupedInteger[lang].format(Math.floor(abs / 100))}.${String(abs % 100).padStart(2, '0')}`;
}

function isoBangkok(ms: number): string {
  return new Date(ms + bangkokOffsetMs).toISOString().slice(0, 19).replace('T', ' ');
}

export function formatters(lang: Lang): Formatters {
  const t = translator(lang);
  return {
    lang,
    number: (n) => groupedInteger[lang].format(n),
    baht: (satang) => bahtText(lang, satang),
    money: (satang) => `฿${bahtText(lang, satang)}`,
    percent: (share) => (share === null || !Number.isFinite(share) ? '—' : percent[lang].format(share)),
    when: (ms) => {
      if (ms === null || ms === undefined) return '—';
      return lang === 'th' ? thaiDateTime.format(ms) : isoBangkok(ms);
    },
    date: (ms) => (lang === 'th' ? thaiDate.format(ms) : isoBangkok(ms).slice(0, 10)),
    span: (ms) => {
      const seconds = Math.round(Math.abs(ms) / 1000);
      const parts: Array<[number, string]> = [
        [Math.floor(seconds / 86_400), t('unit.day')],
        [Math.floor((seconds % 86_400) / 3600), t('unit.hour')],
        [Math.floor((seconds % 3600) / 60), t('unit.minute')],
      ];
      const shown = parts.filter(([n]) => n > 0).map(([n, unit]) => `${n} ${unit}`);
      return shown.length > 0 ? shown.join(' ') : `${seconds} ${t('unit.second')}`;
    },
    code: (kind, code) => {
      if (code === null || code === undefined || code === '') return '—';
      const key = `${kind}.${code}`;
      return hasMessage(key) ? t(key) : code;
    },
  };
}

/** What every dashboard template gets for its words: the language, `t` and the formatters. */
export interface Words {
  lang: Lang;
  t: Translate;
  fmt: Formatters;
}

const wordsByLang: Record<Lang, Words> = {
  en: { lang: 'en', t: translator('en'), fmt: formatters('en') },
  th: { lang: 'th', t: translator('th'), fmt: formatters('th') },
};

export function wordsOf(request: FastifyRequest): Words {
  return wordsByLang[langOf(request)];
}

export function wordsFor(lang: Lang): Words {
  return wordsByLang[lang];
}
