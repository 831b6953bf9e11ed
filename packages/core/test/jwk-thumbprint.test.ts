import { describe, expect, it } from 'vitest';
import { jwkThumbprint, jwkThumbprintInput } from '../src/index.js';

describe('RFC 7638 JWK thumbprints', () => {
  it('matches the Ed25519 vector of RFC 8037 §A.3', async () => {
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' } as const;
    expect(jwkThumbprintInput(jwk)).toBe('{"crv":"Ed25519","kty":"OKP","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}');
    expect(await jwkThumbprint(jwk)).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });

  it('hashes only the required members, so kid and other members do not change the identity', async () => {
    const jwk = {
      kty: 'EC',
      crv: 'P-256',
      x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
      y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
    } as const;
    expect(await jwkThumbprint({ ...jwk, kid: '#key-1', alg: 'ES256' })).toBe(await jwkThumbprint(jwk));
    expect(await jwkThumbprint({ ...jwk, y: jwk.x })).not.toBe(await jwkThumbprint(jwk));
  });
});
