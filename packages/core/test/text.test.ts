import { describe, expect, it } from 'vitest';
import { searchWords } from '@emporia/core';
import { slugify } from '../src/catalog/text.js';

describe('slugify', () => {
  it.each([
    ['Чайник', 'chainik'],
    ['Straße Ølkrus', 'strasse-olkrus'],
    ['Café Crème 2000!', 'cafe-creme-2000'],
    ['Foo & Bar', 'foo-bar'],
    ['  --Mug--  ', 'mug'],
  ])('%s → %s', (text, slug) => {
    expect(slugify(text, 'product')).toBe(slug);
  });

  it('falls back when nothing is left, and keeps slugs to 180 characters without a trailing dash', () => {
    expect(slugify('!!!', 'product')).toBe('product');
    const long = slugify(`${'a'.repeat(179)} b`);
    expect(long).toBe('a'.repeat(179));
  });

  it('search words keep every script', () => {
    expect(searchWords('Чайник Crème')).toEqual(['чаиник', 'creme']);
  });
});
