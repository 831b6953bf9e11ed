// RDFC-1.0 canonicalization of a VCDM 2.0 credential: canonizeRdfc against jsonld.canonize
// (the call Digital Bazaar's suites make) with the same offline loader. A measurement, not a
// test: `pnpm build && node packages/verifier/scripts/measure-canonize.mjs`.
//   same credential      one credential over and over (a verifier re-checking, the bench)
//   one shape            credentials differing in names and dates (filled into a kept dataset)
//   unique ids           every credential with its own id (expanded each time; contexts cached)
import jsonld from 'jsonld';
import { canonizeRdfc, createDocumentLoader } from '../dist/bundle/data-integrity.js';

const loader = createDocumentLoader();
const credential = (i, uniqueId) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://www.w3.org/ns/credentials/examples/v2'],
  id: uniqueId ? `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}` : 'urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33',
  type: ['VerifiableCredential', 'NationalIdCredential'],
  issuer: 'did:web:id.gov.example',
  validFrom: `2026-01-${String((i % 28) + 1).padStart(2, '0')}T00:00:00Z`,
  validUntil: '2036-01-01T00:00:00Z',
  name: 'National ID',
  credentialSubject: {
    id: 'did:example:holder',
    givenName: `Asha ${i}`,
    familyName: 'Ramdial',
    nationality: 'TT',
    birthDate: '1990-04-12',
  },
});
const same = credential(0, false);
const scenarios = {
  'same credential': () => same,
  'one shape': (i) => credential(i, false),
  'unique ids': (i) => credential(i, true),
};
const library = (doc) => jsonld.canonize(doc, { algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader: loader, safe: true });
const ours = (doc) => canonizeRdfc(doc, { loader });

async function rate(fn, make, ms = 1000) {
  for (let i = 0; i < 200; i++) await fn(make(i));
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) await fn(make(n++));
  return (n * 1000) / (performance.now() - start);
}

// The machine may be busy: each side runs three times, alternating, and keeps its best.
for (const [name, make] of Object.entries(scenarios)) {
  if ((await ours(make(7))) !== (await library(make(7)))) throw new Error(`${name}: outputs differ`);
  let a = 0;
  let b = 0;
  for (let round = 0; round < 3; round++) {
    a = Math.max(a, await rate(ours, (i) => make(i + round * 1e6)));
    b = Math.max(b, await rate(library, (i) => make(i + round * 1e6 + 5e5)));
  }
  console.log(
    `${name.padEnd(16)} canonizeRdfc ${a.toFixed(0).padStart(6)}/s   jsonld.canonize ${b.toFixed(0).padStart(5)}/s   ${(a / b).toFixed(1)}x`,
  );
}
