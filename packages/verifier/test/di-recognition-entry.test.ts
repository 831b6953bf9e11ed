// Recognition list entries for Data Integrity issuers: `compatibility` and pinned
// `contexts`, read strictly (a typo must not switch a mode on or a pin off).
import { parseRecognitionListSubject, TradewindError } from '@tradewind/core';
import { describe, expect, it } from 'vitest';

const entry = (extra: Record<string, unknown>) => ({
  sequence: 1,
  nextUpdate: '2026-07-01T00:00:00Z',
  entries: [
    {
      id: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
      country: 'TT',
      name: 'Registrar General',
      credentialTypes: ['*'],
      assuranceLevel: 'high',
      ...extra,
    },
  ],
});
const SHA = 'a'.repeat(64);

function refusal(extra: Record<string, unknown>): { code: string; path: string | undefined } {
  try {
    parseRecognitionListSubject(entry(extra));
  } catch (e) {
    if (e instanceof TradewindError) return { code: e.code, path: e.path };
    throw e;
  }
  throw new Error('accepted');
}

describe('recognition list entries of Data Integrity issuers', () => {
  it('reads compatibility mosip and pinned contexts', () => {
    const parsed = parseRecognitionListSubject(
      entry({ compatibility: 'mosip', contexts: [{ url: 'https://contexts.example/v1', sha256: SHA, document: { '@context': {} } }] }),
    );
    expect(parsed.entries[0]?.compatibility).toBe('mosip');
    expect(parsed.entries[0]?.contexts?.[0]?.url).toBe('https://contexts.example/v1');
  });

  it('refuses another compatibility mode (TRUST_LIST_INVALID)', () => {
    expect(refusal({ compatibility: 'lenient' })).toEqual({ code: 'TRUST_LIST_INVALID', path: '/entries/0/compatibility' });
    expect(refusal({ compatibility: true })).toEqual({ code: 'TRUST_LIST_INVALID', path: '/entries/0/compatibility' });
  });

  it('refuses malformed pins (TRUST_LIST_INVALID)', () => {
    expect(refusal({ contexts: [] }).path).toBe('/entries/0/contexts');
    expect(refusal({ contexts: [{ url: 'ftp://x', sha256: SHA }] }).path).toBe('/entries/0/contexts/0/url');
    expect(refusal({ contexts: [{ url: 'https://c.example/v1', sha256: SHA.toUpperCase() }] }).path).toBe('/entries/0/contexts/0/sha256');
    expect(refusal({ contexts: [{ url: 'https://c.example/v1', sha256: SHA, document: 'text' }] }).path).toBe(
      '/entries/0/contexts/0/document',
    );
    expect(refusal({ contexts: Array.from({ length: 33 }, () => ({ url: 'https://c.example/v1', sha256: SHA })) }).code).toBe(
      'TRUST_LIST_INVALID',
    );
  });
});
