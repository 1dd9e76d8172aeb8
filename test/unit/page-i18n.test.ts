/**
 * The page's texts (page/i18n/*.json): every language has every key, every key the page uses
 * exists, and no text is left in the page's code or markup outside these files.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(process.cwd(), 'page');
const en = JSON.parse(readFileSync(join(root, 'i18n', 'en.json'), 'utf8')) as Record<string, string>;
const languages = readdirSync(join(root, 'i18n')).filter((f) => f.endsWith('.json'));
const sources = readdirSync(join(root, 'src')).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(root, 'src', f), 'utf8'));
const html = readFileSync(join(root, 'src', 'index.html'), 'utf8');

describe('page texts', () => {
  it.each(languages)('%s has exactly the keys of en.json, each a non-empty text with the same placeholders', (file) => {
    const table = JSON.parse(readFileSync(join(root, 'i18n', file), 'utf8')) as Record<string, string>;
    expect(Object.keys(table).sort()).toEqual(Object.keys(en).sort());
    for (const [k, v] of Object.entries(table)) {
      expect(v.trim().length, k).toBeGreaterThan(0);
      expect((v.match(/\{\w+\}/g) ?? []).sort(), k).toEqual((en[k]!.match(/\{\w+\}/g) ?? []).sort());
    }
  });

  it('every key the page names exists', () => {
    const used = new Set<string>();
    for (const m of html.matchAll(/data-i18n="([^"]+)"/g)) used.add(m[1]!);
    for (const src of sources) for (const m of src.matchAll(/\bt\('([^'$`]+)'/g)) used.add(m[1]!);
    for (const src of sources) for (const m of src.matchAll(/reason: '([^']+)'/g)) used.add(m[1]!);
    expect([...used].filter((k) => !(k in en))).toEqual([]);
    expect(used.size).toBeGreaterThan(30);
  });

  it('the markup carries no words of its own (the language names excepted)', () => {
    const text = html
      .replace(/<style>[\s\S]*?<\/style>|<script[\s\S]*?<\/script>|<title>[\s\S]*?<\/title>/g, '')
      .replace(/<option value="(en|zh)">[^<]*<\/option>/g, '')
      .replace(/<[^>]+>/g, ' ')
      .trim();
    expect(text).toBe('');
  });
});
