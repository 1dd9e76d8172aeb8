/** Every text the page shows comes from page/i18n/<lang>.json: a translation is one more file. */
import en from '../i18n/en.json';
import zh from '../i18n/zh.json';

export const LANGUAGES = { en, zh } as const;
export type Lang = keyof typeof LANGUAGES;
export type TextKey = keyof typeof en;

let current: Lang = 'en';

export function setLang(lang: string): Lang {
  current = lang in LANGUAGES ? (lang as Lang) : 'en';
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
  return current;
}

export function lang(): Lang {
  return current;
}

/** The text for `key` in the current language (English, then the key, when missing). */
export function t(key: string, vars: Record<string, string | number> = {}): string {
  const table = LANGUAGES[current] as Record<string, string>;
  const text = table[key] ?? (en as Record<string, string>)[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

export function has(key: string): boolean {
  return key in en;
}

/** Fills every element marked data-i18n with its text. */
export function applyTexts(root: ParentNode = document): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n!);
}
