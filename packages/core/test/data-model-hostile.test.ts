import { describe, expect, it } from 'vitest';
import { validateCredential, validateEnvelope, validatePresentation } from '../src/index.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';

function vc(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@context': [V2],
    type: ['VerifiableCredential'],
    issuer: 'did:example:issuer',
    credentialSubject: { id: 'did:example:subject', claim: 'x' },
    ...changes,
  };
}

const all = [
  (d: unknown) => validateCredential(d),
  (d: unknown) => validatePresentation(d),
  (d: unknown) => validateEnvelope(d, 'credential'),
];

describe('hostile input never throws and is MALFORMED', () => {
  it('a Proxy whose traps throw', () => {
    const trap = () => {
      throw new Error('trap');
    };
    const hostile = new Proxy({}, { get: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, getPrototypeOf: trap });
    for (const validate of all) {
      expect(validate(hostile)).toEqual([{ code: 'MALFORMED', path: '', message: expect.stringMatching(/could not be read/) }]);
      expect(validate(vc({ credentialSubject: { id: 'did:example:1', deep: [1, hostile] } }))).toEqual([
        { code: 'MALFORMED', path: '/credentialSubject/deep/1', message: expect.stringMatching(/could not be read/) },
      ]);
    }
  });
  it('a revoked Proxy', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(validateCredential(vc({ issuer: proxy }))).toEqual([{ code: 'MALFORMED', path: '/issuer', message: expect.any(String) }]);
  });
  it('a getter that throws', () => {
    const doc = vc();
    Object.defineProperty(doc, 'issuer', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(validateCredential(doc, { base: '/payload' })).toEqual([
      { code: 'MALFORMED', path: '/payload/issuer', message: expect.stringMatching(/could not be read/) },
    ]);
  });
  it('a getter that throws only on the second read', () => {
    let reads = 0;
    const doc = vc();
    Object.defineProperty(doc, 'type', {
      enumerable: true,
      get() {
        if (++reads > 1) throw new Error('changed its mind');
        return ['VerifiableCredential'];
      },
    });
    const issues = validateCredential(doc);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.code).toBe('MALFORMED');
  });
  it('a cycle', () => {
    const doc = vc();
    (doc.credentialSubject as Record<string, unknown>).self = doc;
    const issues = validateCredential(doc);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toMatch(/nested more than 64 levels deep \(or refers back to itself\)/);
    expect(issues[0]?.path?.startsWith('/credentialSubject/self/credentialSubject/self/')).toBe(true);
    const vp: Record<string, unknown> = { '@context': [V2], type: 'VerifiablePresentation' };
    vp.verifiableCredential = [vp];
    expect(validatePresentation(vp)[0]?.code).toBe('MALFORMED');
  });
  it('a cycle with a wide fan-out ends by depth, not by visiting every path', () => {
    const node: Record<string, unknown> = {};
    for (let i = 0; i < 8; i++) node[`k${i}`] = node;
    const issues = validateCredential(vc({ credentialSubject: node }));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path?.startsWith('/credentialSubject/k0/k0/')).toBe(true);
  });
  it('shared references that unfold into billions of values stop at the value budget', () => {
    let node: unknown = 'leaf';
    for (let i = 0; i < 40; i++) node = { a: node, b: node };
    const issues = validateCredential(vc({ credentialSubject: { id: 'did:example:1', node } }));
    expect(issues).toEqual([
      {
        code: 'MALFORMED',
        path: expect.stringMatching(/^\/credentialSubject\/node\/a\//),
        message: 'the document holds more than 200000 values',
      },
    ]);
  });
  it('10,000-deep nesting', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 10_000; i++) deep = i % 2 ? { d: deep } : [deep];
    for (const validate of all) {
      const issues = validate(vc({ credentialSubject: { id: 'did:example:1', deep } }));
      expect(issues).toHaveLength(1);
      expect(issues[0]?.message).toMatch(/nested more than 64 levels/);
    }
    let context: unknown = {};
    for (let i = 0; i < 10_000; i++) context = { '@context': context };
    expect(validateCredential(vc({ '@context': [V2, context] }))[0]?.path).toMatch(/^\/@context\/1\/@context\/@context/);
  });
  it('values JSON cannot carry', () => {
    expect(validateCredential(vc({ credentialSubject: { n: Number.NaN } }))).toEqual([
      { code: 'MALFORMED', path: '/credentialSubject/n', message: 'NaN is not a JSON number' },
    ]);
    expect(validateCredential(vc({ credentialSubject: { n: 10n } }))[0]?.path).toBe('/credentialSubject/n');
    expect(validateCredential(vc({ credentialSubject: { f: () => 1 } }))[0]?.path).toBe('/credentialSubject/f');
    expect(validateCredential(vc({ issuer: Symbol('x') }))[0]?.path).toBe('/issuer');
  });
  it('escapes member names in paths', () => {
    const trap = () => {
      throw new Error('trap');
    };
    const issues = validateCredential(vc({ credentialSubject: { 'a/b': { '~c': new Proxy({}, { ownKeys: trap }) } } }));
    expect(issues[0]?.path).toBe('/credentialSubject/a~1b/~0c');
  });
  it('a very long string is quoted only in part', () => {
    const issues = validateCredential(vc({ issuer: `did example ${'x'.repeat(1_000_000)}` }));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message.length).toBeLessThan(300);
  });
  it('prototype members are not read as claims or properties', () => {
    const { issuer: _, ...rest } = vc();
    const inherited = Object.assign(Object.create({ issuer: 'did:example:proto' }), rest);
    expect(validateCredential(inherited).map((i) => i.path)).toEqual(['/issuer']);
  });
});
