import { jwkToMultikey } from '@tradewind/core';
import type { IAgentContext, IIdentifier, IKeyManager } from '@veramo/core-types';
import { KeyDIDProvider } from '@veramo/did-provider-key';
import { publicJwkOfKey } from './node-crypto-kms.js';

type CreateArgs = Parameters<KeyDIDProvider['createIdentifier']>[0];

/**
 * did:key for Ed25519 and P-256. Veramo's KeyDIDProvider 7 has no P-256 codec, so
 * Secp256r1 keys are encoded here (multicodec p256-pub, compressed point) and every
 * other type is left to Veramo.
 */
export class TradewindKeyDidProvider extends KeyDIDProvider {
  private readonly kmsName: string;

  constructor(options: { defaultKms: string }) {
    super(options);
    this.kmsName = options.defaultKms;
  }

  override async createIdentifier(args: CreateArgs, context: IAgentContext<IKeyManager>): Promise<Omit<IIdentifier, 'provider'>> {
    const options = args.options as { keyType?: string } | undefined;
    if (options?.keyType !== 'Secp256r1') return super.createIdentifier(args, context);
    const key = await context.agent.keyManagerCreate({ kms: args.kms ?? this.kmsName, type: 'Secp256r1' });
    const did = `did:key:${jwkToMultikey(publicJwkOfKey(key.type, key.publicKeyHex))}`;
    return { did, controllerKeyId: key.kid, keys: [key], services: [] };
  }
}
