import type { ManagedDid, TradewindAgent } from '@tradewind/agent';
import { isJsonObject, type JsonObject, TradewindError } from '@tradewind/core';

/** The Data Integrity cryptosuites the issuer signs with, by key type. */
export type DiCryptosuite = 'eddsa-rdfc-2022' | 'ecdsa-rdfc-2019';

/**
 * Data Integrity settings of an issuer (`openIssuer`'s `dataIntegrity`; not stored: give
 * them at every open).
 */
export interface DataIntegritySettings {
  /**
   * JSON-LD contexts by URL (a JSON object or its JSON text) besides the ones bundled with
   * `@tradewind/verifier`: the contexts of the agency's own credential types. A credential
   * naming a context that is neither bundled nor here is refused (`MALFORMED`, `context not
   * available offline: <URL>`): nothing is fetched.
   */
  contexts?: Record<string, JsonObject | string>;
}

// What the issuer takes from the verifier's Data Integrity subpath. Loaded on the first
// `di` credential or list: jsonld and rdf-canonize stay out of JOSE-only processes.
type DiModule = typeof import('@tradewind/verifier/data-integrity');
type DocumentLoader = Parameters<DiModule['dataIntegritySigningInput']>[2]['loader'];

let loading: Promise<DiModule> | undefined;
function loadDi(): Promise<DiModule> {
  loading ??= import('@tradewind/verifier/data-integrity');
  return loading;
}

// One loader per settings object (it caches the contexts it processed).
const loaders = new WeakMap<object, Promise<DocumentLoader>>();
const NO_SETTINGS = {};

function loaderFor(settings: DataIntegritySettings | undefined): Promise<DocumentLoader> {
  const key = settings ?? NO_SETTINGS;
  let loader = loaders.get(key);
  if (loader === undefined) {
    loader = loadDi().then((di) => di.createDocumentLoader(settings?.contexts === undefined ? {} : { contexts: settings.contexts }));
    // A refused context map is refused again at the next use, not cached as a failure.
    loader.catch(() => loaders.delete(key));
    loaders.set(key, loader);
  }
  return loader;
}

/**
 * The cryptosuite a key signs `di` credentials with: Ed25519 → eddsa-rdfc-2022, P-256 →
 * ecdsa-rdfc-2019 (ES256 signatures, IEEE P1363 r||s with low S, as the key manager makes them).
 */
export function cryptosuiteOf(signer: Pick<ManagedDid, 'keyType'>): DiCryptosuite {
  return signer.keyType === 'Ed25519' ? 'eddsa-rdfc-2022' : 'ecdsa-rdfc-2019';
}

/**
 * Checks the Data Integrity settings given at open; returns a frozen copy (the loader
 * made from it is cached by identity).
 */
export function checkDataIntegritySettings(given: unknown): DataIntegritySettings {
  if (!isJsonObject(given)) throw invalid('dataIntegrity must be an object: { contexts? }', '/dataIntegrity');
  for (const key of Object.keys(given))
    if (key !== 'contexts') throw invalid(`unknown member ${JSON.stringify(key)} of dataIntegrity`, `/dataIntegrity/${key}`);
  if (given.contexts === undefined) return Object.freeze({});
  if (!isJsonObject(given.contexts))
    throw invalid('dataIntegrity.contexts must map context URLs to JSON-LD contexts', '/dataIntegrity/contexts');
  const contexts: Record<string, JsonObject | string> = {};
  for (const [url, value] of Object.entries(given.contexts)) {
    if (!/^https?:\/\/[^\s]+$/.test(url))
      throw invalid(`dataIntegrity.contexts: ${JSON.stringify(url)} is not an http(s) URL`, '/dataIntegrity/contexts');
    let context: unknown = value;
    if (typeof value === 'string') {
      try {
        context = JSON.parse(value);
      } catch {
        context = undefined;
      }
    }
    if (!isJsonObject(context))
      throw invalid(`dataIntegrity.contexts: the context of ${url} must be a JSON object or its JSON text`, '/dataIntegrity/contexts');
    contexts[url] = value as JsonObject | string;
  }
  return Object.freeze({ contexts: Object.freeze(contexts) as Record<string, JsonObject | string> });
}

/**
 * Secures a credential (or a status list credential) with a Data Integrity proof
 * (`DataIntegrityProof`, {@link cryptosuiteOf} the signer's key, `proofPurpose:
 * assertionMethod`, `verificationMethod` the signer's key id, `created` as given). The
 * bytes signed are the cryptosuite's hash data (RDFC-1.0 canonical forms of the proof
 * options and of the document, from `@tradewind/verifier/data-integrity`), signed by the
 * key manager; the signature is the proof's `proofValue`, multibase base58btc.
 * Returns a new document: `document` plus `proof`.
 */
export async function signDataIntegrity(
  agent: TradewindAgent,
  signer: ManagedDid,
  document: JsonObject,
  created: string,
  settings: DataIntegritySettings | undefined,
): Promise<JsonObject> {
  const [di, loader] = await Promise.all([loadDi(), loaderFor(settings)]);
  const proof: JsonObject = {
    type: 'DataIntegrityProof',
    cryptosuite: cryptosuiteOf(signer),
    created,
    verificationMethod: signer.verificationMethod,
    proofPurpose: 'assertionMethod',
  };
  await knownContexts(document, loader);
  let input: Uint8Array;
  try {
    input = await di.dataIntegritySigningInput(document, proof, { loader });
  } catch (error) {
    throw explained(error);
  }
  const signature = await agent.sign(signer.keyId, input);
  return { ...document, proof: { ...proof, proofValue: di.encodeProofValue(signature) } };
}

/**
 * Refuses a `di` document naming a context URL that is not available offline
 * (`MALFORMED`, `context not available offline: <URL>`): checked before the issuance
 * transaction, and again as the document is signed.
 */
export async function checkContexts(document: JsonObject, settings: DataIntegritySettings | undefined): Promise<void> {
  await knownContexts(document, await loaderFor(settings));
}

// The document's own context URLs, each known offline (or refused by name) before any
// JSON-LD processing.
async function knownContexts(document: JsonObject, loader: DocumentLoader): Promise<void> {
  const contexts = document['@context'];
  for (const url of Array.isArray(contexts) ? contexts : [contexts])
    if (typeof url === 'string')
      await loader(url).catch((error: unknown) => {
        throw explained(error);
      });
}

/** The JSON text of a secured `di` credential: what `IssuedCredential.jwt` holds for the `di` format. */
export function diText(secured: JsonObject): string {
  return JSON.stringify(secured);
}

const OFFLINE = 'context not available offline: ';

// A strict JSON-LD refusal, with what the issuer can do about it: jsonld's safe mode
// names no term, and a credential whose terms are dropped would sign less than it says.
function explained(error: unknown): unknown {
  if (!(error instanceof TradewindError) || error.code !== 'MALFORMED') return error;
  if (error.message.includes(OFFLINE))
    return new TradewindError(
      'MALFORMED',
      `${error.message.slice(error.message.indexOf(OFFLINE))} (give it to the issuer with dataIntegrity.contexts at open; verifiers need it too)`,
      { path: '/@context', cause: error },
    );
  return new TradewindError(
    'MALFORMED',
    `cannot secure the credential as di (${error.message}): every term and type of a di credential must be defined by its @context, and undefined ones are refused rather than dropped from what is signed; name a context that defines them (the request's context, made known with dataIntegrity.contexts at open)`,
    { path: '/@context', cause: error },
  );
}

function invalid(message: string, path: string): TradewindError {
  return new TradewindError('INVALID_ARGUMENT', message, { path });
}
