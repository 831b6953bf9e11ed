import { describe, expect, it } from 'vitest';
import { expandedTypes } from '../src/di/public.js';

const VC = 'https://www.w3.org/2018/credentials#VerifiableCredential';

describe('expandedTypes (the IRIs DCQL type_values compare)', () => {
  it('expands the VCDM terms and keeps undefined types relative (VCDM 2.0 and 1.1)', async () => {
    for (const context of [['https://www.w3.org/ns/credentials/v2'], ['https://www.w3.org/2018/credentials/v1']]) {
      expect(await expandedTypes({ '@context': context, type: ['VerifiableCredential', 'NationalIdCredential'] })).toEqual([
        VC,
        'NationalIdCredential',
      ]);
    }
  });

  it('applies a context that defines the type (the examples vocabulary)', async () => {
    const types = await expandedTypes({
      '@context': ['https://www.w3.org/ns/credentials/v2', 'https://www.w3.org/ns/credentials/examples/v2'],
      type: ['VerifiableCredential', 'AlumniCredential'],
    });
    expect(types).toEqual([VC, 'https://www.w3.org/ns/credentials/examples#AlumniCredential']);
  });

  it('uses a caller context, and falls back without the network when a context is unknown', async () => {
    const url = 'https://id.gov.tt/contexts/v1';
    const context = { '@context': { NationalIdCredential: 'https://id.gov.tt/vocab#NationalIdCredential' } };
    const credential = {
      '@context': ['https://www.w3.org/ns/credentials/v2', url],
      type: ['VerifiableCredential', 'NationalIdCredential'],
    };
    expect(await expandedTypes(credential, { contexts: { [url]: context } })).toEqual([VC, 'https://id.gov.tt/vocab#NationalIdCredential']);
    expect(await expandedTypes(credential)).toEqual([VC, 'NationalIdCredential']);
  });

  it('reads a single type string and ignores what is not a string', async () => {
    expect(await expandedTypes({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: 'VerifiableCredential' })).toEqual([VC]);
    expect(await expandedTypes({ type: [1, 'X'] })).toEqual(['X']);
    expect(await expandedTypes({})).toEqual([]);
  });
});
