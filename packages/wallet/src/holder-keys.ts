import type { TradewindAgent } from '@tradewind/agent';
import type { IIdentifier } from '@veramo/core-types';

/** A DID with its keys including private key material, as a backup carries it. */
export interface ExportedDid {
  did: string;
  provider: string;
  alias?: string;
  controllerKeyId?: string;
  keys: Array<{ kid: string; type: string; publicKeyHex: string; privateKeyHex: string; meta?: Record<string, unknown> }>;
  services: IIdentifier['services'];
}

/**
 * Every DID of the agent with its decrypted private keys (from the agent's
 * `exportKeys`); the only caller encrypts them again at once.
 */
export async function exportDids(agent: TradewindAgent): Promise<ExportedDid[]> {
  const identifiers = await agent.veramo.didManagerFind();
  const privateKeys = await agent.exportKeys(identifiers.flatMap((id) => id.keys.map((k) => k.kid)));
  const privateKeyHex = new Map(privateKeys.map((k) => [k.kid, k.privateKeyHex]));
  const out: ExportedDid[] = [];
  for (const id of identifiers) {
    const keys: ExportedDid['keys'] = id.keys.map((k) => ({
      kid: k.kid,
      type: k.type,
      publicKeyHex: k.publicKeyHex,
      privateKeyHex: privateKeyHex.get(k.kid) as string,
      ...(k.meta ? { meta: k.meta as Record<string, unknown> } : {}),
    }));
    out.push({
      did: id.did,
      provider: id.provider,
      ...(id.alias === undefined ? {} : { alias: id.alias }),
      ...(id.controllerKeyId === undefined ? {} : { controllerKeyId: id.controllerKeyId }),
      keys,
      services: id.services ?? [],
    });
  }
  return out;
}

/**
 * Imports DIDs with their keys (re-encrypted under this wallet's secret). Veramo writes
 * them through the agent's connection: inside the caller's TypeORM transaction they join
 * it, so a restore is one transaction.
 */
export async function importDids(agent: TradewindAgent, dids: readonly ExportedDid[]): Promise<string[]> {
  for (const d of dids) {
    await agent.veramo.didManagerImport({
      did: d.did,
      provider: d.provider,
      ...(d.alias === undefined ? {} : { alias: d.alias }),
      ...(d.controllerKeyId === undefined ? {} : { controllerKeyId: d.controllerKeyId }),
      keys: d.keys.map((k) => ({
        kid: k.kid,
        kms: 'local',
        type: k.type as 'Ed25519',
        publicKeyHex: k.publicKeyHex,
        privateKeyHex: k.privateKeyHex,
        meta: k.meta ?? {},
      })),
      services: d.services,
    });
  }
  return dids.map((d) => d.did);
}
