import { base64urlEncode, utf8Encode } from '@tradewind/core';
import type { IAgentContext, IIdentifier, IKeyManager } from '@veramo/core-types';
import { JwkDIDProvider } from '@veramo/did-provider-jwk';
import { publicJwkOfKey } from './node-crypto-kms.js';

type CreateArgs = Parameters<JwkDIDProvider['createIdentifier']>[0];

/**
 * did:jwk for Ed25519 and P-256 keys. Veramo's JwkDIDProvider 7 writes P-256
 * coordinates with `bigint.toString(16)`, which drops leading zero bytes: about one key
 * in 128 got a DID whose JWK is not its key. Here the coordinates are the fixed
 * 32-byte encodings (RFC 7518 §6.2.1.2), and the JWK holds only the members did:jwk needs.
 */
export class TradewindJwkDidProvider extends JwkDIDProvider {
  private readonly kmsName: string;

  constructor(options: { defaultKms: string }) {
    super(options);
    this.kmsName = options.defaultKms;
  }

  override async createIdentifier(args: CreateArgs, context: IAgentContext<IKeyManager>): Promise<Omit<IIdentifier, 'provider'>> {
    const options = args.options as { keyType?: string; keyRef?: string } | undefined;
    const key = options?.keyRef
      ? await context.agent.keyManagerGet({ kid: options.keyRef })
      : await context.agent.keyManagerCreate({ kms: args.kms ?? this.kmsName, type: (options?.keyType ?? 'Ed25519') as 'Ed25519' });
    if (key.type !== 'Ed25519' && key.type !== 'Secp256r1') return super.createIdentifier(args, context);
    const jwk = publicJwkOfKey(key.type, key.publicKeyHex);
    // Members in lexicographic order, as in the did:jwk spec's examples.
    const canonical = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
    const did = `did:jwk:${base64urlEncode(utf8Encode(JSON.stringify(canonical)))}`;
    return { did, controllerKeyId: key.kid, keys: [key], services: [] };
  }
}
