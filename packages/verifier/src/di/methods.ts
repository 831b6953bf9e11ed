// Verification methods of Data Integrity proofs, resolved offline: DID documents the
// caller or a recognition list supplies, did:key and did:jwk from the DID itself, and
// https key documents with their controller documents (older MOSIP IDA credentials).
// Nothing here fetches anything.
import { type DidKeyResolver, isJsonObject, type JsonObject, TradewindError } from '@tradewind/core';
import type { DiMethod } from './proof.js';

/** Longest verification method id read. */
const MAX_METHOD_ID_LENGTH = 2048;

export type Relationship = 'assertionMethod' | 'authentication';

export interface MethodResolverOptions {
  /** options.dataIntegrity.documents by id: DID documents, https key and controller documents. */
  documents: ReadonlyMap<string, JsonObject>;
  /** DID resolution for what `documents` does not hold (did:jwk; did:web keys a recognition list carries). */
  resolver: DidKeyResolver;
  /**
   * Who must control the method: the credential's issuer, or the presentation's holder.
   * Undefined only for a presentation that names no holder (its signer is the holder).
   */
  controller: string | undefined;
  /** The issuer's compatibility mode: `mosip` accepts the DID itself in the relationship. */
  compatibility: 'mosip' | undefined;
}

/**
 * A `resolveMethod` for verifyDiProof. The relationship (assertionMethod for credentials,
 * authentication for presentations) must list the method's id (in MOSIP compatibility
 * the DID itself will do, reported as a relaxation), and the method must be controlled
 * by `controller`: a proof by a key of someone else is not the issuer's proof.
 */
export function methodResolver(
  options: MethodResolverOptions,
): (verificationMethod: string, relationship: Relationship) => Promise<DiMethod> {
  return async (verificationMethod, relationship) => {
    const method = await findMethod(options, verificationMethod, relationship);
    const expected = options.controller;
    if (expected !== undefined && method.controller !== expected) {
      notFound(`verification method ${clip(verificationMethod)} is controlled by ${clip(method.controller)}, not by ${clip(expected)}`);
    }
    return method;
  };
}

async function findMethod(options: MethodResolverOptions, vm: string, relationship: Relationship): Promise<DiMethod> {
  if (typeof vm !== 'string' || vm.length === 0) return notFound('proof.verificationMethod is not a non-empty string');
  if (vm.length > MAX_METHOD_ID_LENGTH) return notFound(`proof.verificationMethod is longer than ${MAX_METHOD_ID_LENGTH} characters`);
  const hash = vm.indexOf('#');
  const base = hash < 0 ? vm : vm.slice(0, hash);
  if (base.startsWith('did:')) {
    if (hash < 0) return notFound(`verification method ${clip(vm)} is a DID, not a DID URL naming one of its keys (did:…#fragment)`);
    const given = options.documents.get(base);
    if (given) return fromDidDocument(given, vm, relationship, options.compatibility);
    if (base.startsWith('did:key:')) {
      // Through the resolver first, which refuses aliases (an uncompressed P-256 point, an
      // overlong varint) and weak keys, as the JOSE path does. A browser build resolves
      // Ed25519 and P-256 did:keys only: the others are read as their Multikey, whose
      // point the suite's key decoding checks.
      try {
        await options.resolver.resolve(base);
      } catch (e) {
        if (!(e instanceof TradewindError && e.message.includes('this browser build resolves'))) throw e;
      }
      return didKeyMethod(base, vm);
    }
    const doc = (await options.resolver.resolve(base)) as unknown as JsonObject;
    return fromDidDocument(doc, vm, relationship, options.compatibility);
  }
  if (base.startsWith('https://')) return fromKeyDocument(options, vm, relationship);
  return notFound(`verification method ${clip(vm)} is neither a DID URL nor an https URL`);
}

/**
 * A did:key names its one key: the fragment is the key's multibase form, read as a
 * Multikey (Ed25519, P-256, P-384, secp256k1), authorised for every relationship.
 */
function didKeyMethod(did: string, vm: string): DiMethod {
  const multibase = did.slice('did:key:'.length);
  if (vm !== `${did}#${multibase}`) notFound(`${clip(vm)} is not the key of ${clip(did)} (${clip(did)}#${clip(multibase)})`);
  if (!/^z[1-9A-HJ-NP-Za-km-z]{40,200}$/.test(multibase)) {
    throw new TradewindError('DID_UNRESOLVABLE', `${clip(did)} is not a did:key of a base58btc multikey`);
  }
  return {
    id: vm,
    controller: did,
    type: 'Multikey',
    method: { id: vm, type: 'Multikey', controller: did, publicKeyMultibase: multibase },
  };
}

/** Every verification method object a DID document holds, by absolute id. */
function methodsOf(doc: JsonObject, docId: string): Map<string, JsonObject> {
  const found = new Map<string, JsonObject>();
  const add = (list: unknown) => {
    if (!Array.isArray(list)) return;
    for (const m of list) if (isJsonObject(m) && typeof m.id === 'string') found.set(absolute(m.id, docId), m);
  };
  add(doc.verificationMethod);
  add(doc.publicKey);
  add(doc.assertionMethod);
  add(doc.authentication);
  return found;
}

function fromDidDocument(doc: JsonObject, vm: string, relationship: Relationship, compatibility: 'mosip' | undefined): DiMethod {
  const docId = typeof doc.id === 'string' ? doc.id : '';
  const did = vm.slice(0, vm.indexOf('#'));
  if (docId !== did) {
    throw new TradewindError('DID_UNRESOLVABLE', `the DID document given for ${clip(did)} is that of ${clip(docId || 'no id')}`);
  }
  const method = methodsOf(doc, docId).get(vm);
  if (!method) return notFound(`${clip(did)} has no verification method ${clip(vm)}`);
  const controller = typeof method.controller === 'string' ? absolute(method.controller, docId) : docId;
  const relaxations: string[] = [];
  const listed = relationshipIds(doc[relationship], docId);
  if (!listed.includes(vm)) {
    if (compatibility === 'mosip' && listed.includes(docId)) {
      relaxations.push(`the DID itself, not the verification method ${vm}, is in the ${relationship} of ${docId}`);
    } else {
      notFound(`verification method ${clip(vm)} is not authorised for ${relationship} by ${clip(docId)}`);
    }
  }
  return {
    id: vm,
    controller,
    type: String(method.type),
    method: { ...method, id: vm, controller },
    ...(relaxations.length ? { relaxations } : {}),
  };
}

/**
 * An https verification method: its key document (with `controller`, or `owner` in
 * security v1) and the controller document, which must list the key under the
 * relationship (in MOSIP compatibility also under `publicKey`, security v1's list).
 */
function fromKeyDocument(options: MethodResolverOptions, vm: string, relationship: Relationship): DiMethod {
  const keyDoc = options.documents.get(vm);
  if (!keyDoc) return notFound(`no key document for ${clip(vm)} was given (dataIntegrity.documents); nothing is fetched`);
  const controller =
    typeof keyDoc.controller === 'string' ? keyDoc.controller : typeof keyDoc.owner === 'string' ? keyDoc.owner : undefined;
  if (controller === undefined) return notFound(`key document ${clip(vm)} names no controller (or owner)`);
  const controllerDoc = options.documents.get(controller);
  if (!controllerDoc)
    return notFound(`no controller document for ${clip(controller)} was given (dataIntegrity.documents); nothing is fetched`);
  const relaxations: string[] = [];
  if (!relationshipIds(controllerDoc[relationship], controller).includes(vm)) {
    if (options.compatibility === 'mosip' && relationshipIds(controllerDoc.publicKey, controller).includes(vm)) {
      relaxations.push(`the key ${vm} is listed under publicKey, not ${relationship}, in its controller document ${controller}`);
    } else {
      notFound(`controller document ${clip(controller)} does not list ${clip(vm)} under ${relationship}`);
    }
  }
  return {
    id: vm,
    controller,
    type: String(keyDoc.type),
    method: { ...keyDoc, id: vm, controller },
    ...(relaxations.length ? { relaxations } : {}),
  };
}

/** The ids a relationship lists: references, and embedded methods by their id. */
function relationshipIds(list: unknown, docId: string): string[] {
  const items = Array.isArray(list) ? list : list === undefined ? [] : [list];
  return items.flatMap((item) => {
    if (typeof item === 'string') return [absolute(item, docId)];
    if (isJsonObject(item) && typeof item.id === 'string') return [absolute(item.id, docId)];
    return [];
  });
}

function absolute(id: string, docId: string): string {
  return id.startsWith('#') ? docId + id : id;
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function notFound(message: string): never {
  throw new TradewindError('KEY_NOT_FOUND', message, { path: '/proof/verificationMethod' });
}
