/** The shape of a dashboard catalog (i18n.ts merges them): English words, and Thai words for exactly the same keys. */
export interface Catalog<K extends string = string> {
  en: Record<K, string>;
  th: Record<K, string>;
}

/** Declares a catalog; TypeScript refuses one whose Thai half misses or adds a key (a test checks it again). */
export function catalog<const E extends Record<string, string>>(en: E, th: { [K in keyof E]: string }): Catalog<Extract<keyof E, string>> {
  return { en, th } as Catalog<Extract<keyof E, string>>;
}
