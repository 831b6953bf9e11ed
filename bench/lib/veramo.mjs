// A Veramo 7 agent set up the way its documentation shows for verifying JWT
// credentials offline: did:key resolution and the W3C credential plugin with the JWT
// provider. No key or DID manager: verification needs neither.
import { createAgent } from '@veramo/core';
import { CredentialProviderJWT } from '@veramo/credential-jwt';
import { CredentialPlugin } from '@veramo/credential-w3c';
import { DIDResolverPlugin } from '@veramo/did-resolver';
import { getResolver as getKeyResolver } from 'key-did-resolver';

export function veramoVerifierAgent() {
  return createAgent({
    plugins: [new DIDResolverPlugin({ ...getKeyResolver() }), new CredentialPlugin([new CredentialProviderJWT()])],
  });
}
