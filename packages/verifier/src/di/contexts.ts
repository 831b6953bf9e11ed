/**
 * The JSON-LD contexts the Data Integrity path knows offline. Each is a JSON file in
 * `contexts/` (its source in `contexts/README.md`), imported statically so that a bundler
 * puts them in the chunk of the DI code and nowhere else. The SHA-256 of each document's
 * JCS (RFC 8785) form is written here too: a test recomputes every one, and a pinned
 * context (a recognition list's `contexts`) is compared with the same digest.
 */

import type { JsonObject } from '@tradewind/core';
import bitstringStatusListV1 from './contexts/bitstring-status-list-v1.json' with { type: 'json' };
import credentialsExamplesV2 from './contexts/credentials-examples-v2.json' with { type: 'json' };
import credentialsUndefinedTermsV2 from './contexts/credentials-undefined-terms-v2.json' with { type: 'json' };
import credentialsV1 from './contexts/credentials-v1.json' with { type: 'json' };
import credentialsV2 from './contexts/credentials-v2.json' with { type: 'json' };
import dataIntegrityV1 from './contexts/data-integrity-v1.json' with { type: 'json' };
import dataIntegrityV2 from './contexts/data-integrity-v2.json' with { type: 'json' };
import didV011 from './contexts/did-v0.11.json' with { type: 'json' };
import didV1 from './contexts/did-v1.json' with { type: 'json' };
import ed25519V2018 from './contexts/ed25519-2018-v1.json' with { type: 'json' };
import ed25519V2020 from './contexts/ed25519-2020-v1.json' with { type: 'json' };
import jws2020V1 from './contexts/jws-2020-v1.json' with { type: 'json' };
import multikeyV1 from './contexts/multikey-v1.json' with { type: 'json' };
import secp256k12019V1 from './contexts/secp256k1-2019-v1.json' with { type: 'json' };
import securityV1 from './contexts/security-v1.json' with { type: 'json' };
import securityV2 from './contexts/security-v2.json' with { type: 'json' };
import securityV3Unstable from './contexts/security-v3-unstable.json' with { type: 'json' };
import statusList2021V1 from './contexts/status-list-2021-v1.json' with { type: 'json' };

/** One bundled context: its document and the hex SHA-256 of the document's JCS form. */
export interface BundledContext {
  readonly document: JsonObject;
  readonly sha256: string;
}

const entries: ReadonlyArray<readonly [string, object, string]> = [
  ['https://www.w3.org/2018/credentials/v1', credentialsV1, 'b01e671e873981f19a9102a9a57f666dbcaeb31b99e3e124378d143e71549247'],
  ['https://www.w3.org/ns/credentials/v2', credentialsV2, 'b463c8d6a066214123ddd9827b135e1b50e1fc73322cc52a9b12a4f1fc7d86cf'],
  // VCDM 2.0's way to use terms no context defines (an @vocab under the undefined-term namespace).
  [
    'https://www.w3.org/ns/credentials/undefined-terms/v2',
    credentialsUndefinedTermsV2,
    '3b11e1df8c618447e9f79f3737e3c30fc0841537eb95f36003742c633672bb9f',
  ],
  [
    'https://www.w3.org/ns/credentials/examples/v2',
    credentialsExamplesV2,
    '8a675bead391be98e6054c4e07c41f73337508d398e07047344c5d349aa2dc58',
  ],
  ['https://w3id.org/security/data-integrity/v1', dataIntegrityV1, '9505bf85338a4c2121ad03992ac90061bc85d43bcfa34d9d47b779381cf08b5f'],
  ['https://w3id.org/security/data-integrity/v2', dataIntegrityV2, '7ba3c50acf2689d5e07927267343eb353249c7c22a9f2d00307cc970e855e305'],
  ['https://w3id.org/security/multikey/v1', multikeyV1, 'be20c3ee6af6e9c4102e66a85c26617831218e32216bdf050f870e389e737cdc'],
  ['https://w3id.org/security/suites/ed25519-2018/v1', ed25519V2018, 'b4cb4ede62cd5c1e98b54340bf9d5ae636e6ba6e92b6bffb50be3c12b473a2de'],
  ['https://w3id.org/security/suites/ed25519-2020/v1', ed25519V2020, 'fb517f09d990829aed734c9bad8cbbb2ac3d5063b865c7e3d81f246074bf5691'],
  ['https://w3id.org/security/suites/jws-2020/v1', jws2020V1, 'eed16334842a5635257913b33acd1aeee29009eb188d855f9a1d0ceee4a8ae4d'],
  [
    'https://w3id.org/security/suites/secp256k1-2019/v1',
    secp256k12019V1,
    '9125f9365f562d895c1c8090d7860725f392d4872dff4ec559b48d8709d69564',
  ],
  ['https://w3id.org/security/v1', securityV1, 'd87de2ce3ce407bcac481f8af31e211e54beb5cbd7dd459826ed0502302ee234'],
  ['https://w3id.org/security/v2', securityV2, '38a9ef19cf3a75bf856202bd1ed4cbd55c985ad4a809eb7f4ef584ba9d51dc90'],
  // ld-signatures-java (MOSIP) resolves security v3 to this unstable document.
  ['https://w3id.org/security/v3', securityV3Unstable, '75ecf6e07d8bf04b6b66da1a63b7bd3826d0f4eed1c8c9f76e566ffad4fb512b'],
  ['https://w3id.org/security/v3-unstable', securityV3Unstable, '75ecf6e07d8bf04b6b66da1a63b7bd3826d0f4eed1c8c9f76e566ffad4fb512b'],
  ['https://w3id.org/vc/status-list/2021/v1', statusList2021V1, '9768f9aa81ab6c3e2ad96b2d669eaba67afe13fff0140a853f1e3d313fab13b6'],
  [
    'https://www.w3.org/ns/credentials/status/v1',
    bitstringStatusListV1,
    'b2fcebfbaf4e6beae2be370fda8a5f9f99c28540c798a75a8cdccc0fb1a12492',
  ],
  ['https://www.w3.org/ns/did/v1', didV1, 'a7e146c40fcec005d3f0f14ae745665f446da58d7914a9d8f733746686fad82b'],
  ['https://w3id.org/did/v0.11', didV011, 'b6a34812e5e6ccf51c1cf0bf708d5f7634f10894c617c80bd4acce06f7ffbb5e'],
];

/** Bundled contexts by URL (compared exactly: no trailing `#`, no redirects, no http/https swap). */
export const BUNDLED: ReadonlyMap<string, BundledContext> = new Map(
  entries.map(([url, document, sha256]) => [url, { document: deepFreeze(document) as JsonObject, sha256 }]),
);

/** URL → digest of every bundled context (the public view of {@link BUNDLED}). */
export const BUNDLED_CONTEXTS: ReadonlyMap<string, { readonly sha256: string }> = new Map(
  [...BUNDLED].map(([url, { sha256 }]) => [url, Object.freeze({ sha256 })]),
);

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
