import { createHash, randomBytes, randomInt } from 'node:crypto';
import { Openid4vciIssuer } from '@openid4vc/openid4vci';
import { getGlobalConfig, setGlobalConfig } from '@openid4vc/utils';
import { type JsonObject, TradewindError, VCDM_1_CONTEXT, validateCredential } from '@tradewind/core';
import type { IssueDocumentRequest, IssueRequest } from '@tradewind/issuer';
import { type Context, Hono } from 'hono';
import QRCode from 'qrcode';
import { z } from 'zod';
import { requireAdmin } from '../auth.js';
import { readBody, readJson } from '../body.js';
import type {
  CredentialConfiguration,
  JwtVcCredentialConfiguration,
  SdJwtCredentialConfiguration,
  ServiceContext,
  ServiceModule,
} from '../context.js';
import { HttpError } from '../errors.js';
import { authorizationServerMetadata, credentialIssuerId, credentialIssuerMetadata, PRE_AUTHORIZED_GRANT, sdJwtVct } from './metadata.js';
import { type ProofClaims, ProofError, type PublicKeyJwk, proofVerifier, readProof } from './proof.js';
import { type OfferRow, Oid4vciStore, offerRef, randomToken, sha256 } from './store.js';

/** Largest form body of a token request, bytes. */
const TOKEN_BODY_BYTES = 4096;
const MAX_OFFER_SECONDS = 30 * 86_400;

type OauthError =
  | 'invalid_request'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  | 'invalid_token'
  | 'invalid_credential_request'
  | 'unknown_credential_configuration'
  | 'invalid_proof'
  | 'invalid_nonce'
  | 'credential_request_denied'
  | 'server_error';

/** An OAuth 2.0 / OpenID4VCI error response (`{ error, error_description }`), never cached. */
function oauthError(c: Context, status: 400 | 401 | 413 | 415 | 500 | 503, error: OauthError, description: string): Response {
  c.header('Cache-Control', 'no-store');
  return c.json({ error, error_description: description }, status);
}

const claimsSchema = z.record(z.string(), z.unknown()).refine((v) => !Object.hasOwn(v, 'id'), {
  message: 'claims are about the holder, whose DID becomes the subject id at issuance: leave id out',
});

const offerSchema = z
  .object({
    credentialConfigurationId: z.string().min(1).max(200),
    claims: claimsSchema.optional(),
    credential: z.record(z.string(), z.unknown()).optional(),
    recordKey: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[\x21-\x7e]+$/, 'a recordKey is printable ASCII without spaces')
      .optional(),
    txCode: z
      .union([
        z.literal(true),
        z.strictObject({
          length: z.number().int().min(4).max(12).optional(),
          inputMode: z.enum(['numeric', 'text']).optional(),
        }),
      ])
      .optional(),
    expiresInSeconds: z.number().int().min(60).max(MAX_OFFER_SECONDS).optional(),
  })
  .strict()
  .refine((v) => (v.claims === undefined) !== (v.credential === undefined), {
    message: 'give either claims (the subject claims) or credential (a credential document without subject id), not both or neither',
  });

type OfferBody = z.infer<typeof offerSchema>;

/** The service's OpenID4VCI pre-authorized issuance (metadata, offers, token, nonce, credential endpoints). */
export async function createOid4vciModule(ctx: ServiceContext): Promise<ServiceModule> {
  const { config, logger } = ctx;
  const issuerId = credentialIssuerId(config);
  if (!config.allowInsecureHttp && !issuerId.startsWith('https://'))
    throw new TradewindError(
      'INVALID_ARGUMENT',
      `OpenID4VCI needs an https:// base URL (${issuerId}); http is for tests only (allowInsecureHttp)`,
    );
  const store = await Oid4vciStore.open(ctx.state, config.secret);
  const clock = () => Date.now();
  const verifyJwt = proofVerifier();
  const vci = new Openid4vciIssuer({
    callbacks: {
      hash: (data, alg) => hashOf(data, alg),
      generateRandom: (bytes) => new Uint8Array(randomBytes(bytes)),
      signJwt: async () => {
        throw new Error('the issuer signs nothing through the OpenID4VCI library');
      },
      verifyJwt: verifyJwt as never,
      clientAuthentication: () => {},
      fetch: () => Promise.reject(new Error('the issuer fetches nothing')),
    },
  });
  const issuerMetadata = withInsecure(config.allowInsecureHttp, () => ({
    credentialIssuer: vci.createCredentialIssuerMetadata(credentialIssuerMetadata(config) as never),
    authorizationServers: [authorizationServerMetadata(config)],
    originalDraftVersion: 'V1',
  }));
  const knownIssuerMetadata = {
    ...issuerMetadata,
    knownCredentialConfigurations: vci.getKnownCredentialConfigurationsSupported(issuerMetadata.credentialIssuer),
  };
  const metadataBody = credentialIssuerMetadata(config);
  const asBody = authorizationServerMetadata(config);

  const routes = new Hono();

  // The OAuth endpoints answer a storage fault in OAuth's shape as well (a wallet reads
  // `error`), as 503 server_error; the details go to the log only, never the request.
  const oauthFaults =
    (handler: (c: Context) => Promise<Response>) =>
    async (c: Context): Promise<Response> => {
      try {
        return await handler(c);
      } catch (e) {
        if (!(e instanceof TradewindError) || e.code !== 'STORAGE_ERROR') throw e;
        logger.error({ code: e.code, err: { name: e.name, message: e.message } }, 'storage failure');
        c.header('Retry-After', '5');
        return oauthError(c, 503, 'server_error', 'the service cannot reach its storage; try again later');
      }
    };

  // Public metadata at the well-known URIs.
  routes.get('/.well-known/openid-credential-issuer', (c) => c.json(metadataBody));
  routes.get('/.well-known/oauth-authorization-server', (c) => c.json(asBody));

  // Admin: create an offer for a registry record.
  routes.post('/offers', requireAdmin(config.adminKeyHashes), async (c) => {
    const body = await readJson(c, offerSchema, config.limits.bodyBytes);
    const configurations = config.oid4vci.credentialConfigurations;
    const configuration = Object.hasOwn(configurations, body.credentialConfigurationId)
      ? configurations[body.credentialConfigurationId]
      : undefined;
    if (!configuration)
      throw new HttpError(400, 'INVALID_ARGUMENT', `no credential configuration ${body.credentialConfigurationId}`, [
        {
          code: 'INVALID_ARGUMENT',
          message: `unknown credential configuration; this service offers ${Object.keys(config.oid4vci.credentialConfigurations).join(', ')}`,
          path: '/credentialConfigurationId',
        },
      ]);
    let request: JsonObject;
    if (configuration.format === 'dc+sd-jwt') request = sdJwtOfferRequest(body, configuration);
    else {
      request = offerRequest(body, configuration, ctx.did);
      checkOfferDocument(request, body.claims !== undefined);
    }
    const now = clock();
    const recordKey = body.recordKey ?? `oid4vci:${randomToken()}`;

    const offerId = randomToken();
    const idHash = sha256(offerId);
    const code = store.preAuthorizedCode(offerId);
    const tx =
      body.txCode === undefined
        ? undefined
        : {
            length: (body.txCode === true ? undefined : body.txCode.length) ?? 6,
            inputMode: (body.txCode === true ? undefined : body.txCode.inputMode) ?? 'numeric',
          };
    const txCode = tx ? newTxCode(tx.length, tx.inputMode) : undefined;
    const expiresAt = now + (body.expiresInSeconds ?? config.oid4vci.offerTtlSeconds) * 1000;
    const created = await ctx.track(() =>
      store.createOffer({
        id_hash: idHash,
        code_hash: sha256(code),
        credential_configuration_id: body.credentialConfigurationId,
        request: JSON.stringify(request),
        record_key: recordKey,
        tx_code_hash: txCode === undefined ? null : store.txCodeHash(idHash, txCode),
        tx_code_length: tx?.length ?? null,
        tx_code_input_mode: tx?.inputMode ?? null,
        created_at: now,
        expires_at: expiresAt,
      }),
    );
    if (!created)
      throw new HttpError(409, 'ALREADY_EXISTS', 'a live offer for this recordKey exists already', [
        {
          code: 'ALREADY_EXISTS',
          message: 'a live offer for this recordKey exists already (it expires, or is used, first)',
          path: '/recordKey',
        },
      ]);
    const credentialOffer = offerObject(issuerId, body.credentialConfigurationId, code, tx);
    const offerUrl = `${issuerId}/offers/${offerId}`;
    const credentialOfferUri = `openid-credential-offer://?credential_offer_uri=${encodeURIComponent(offerUrl)}`;
    const [png, terminal] = await Promise.all([
      QRCode.toDataURL(credentialOfferUri, { errorCorrectionLevel: 'M', margin: 2 }),
      QRCode.toString(credentialOfferUri, { type: 'terminal', small: true, errorCorrectionLevel: 'M' }),
    ]);
    logger.info(
      {
        event: 'oid4vci.offer.created',
        offer: offerRef(idHash),
        credentialConfigurationId: body.credentialConfigurationId,
        txCode: txCode !== undefined,
        expiresAt: new Date(expiresAt).toISOString(),
      },
      'credential offer created',
    );
    c.header('Cache-Control', 'no-store');
    return c.json(
      {
        offerId,
        credentialOffer,
        credentialOfferUri,
        qr: { png, terminal },
        ...(txCode === undefined ? {} : { txCode }),
        expiresAt: new Date(expiresAt).toISOString(),
      },
      201,
    );
  });

  // Public: the offer object by reference (credential_offer_uri). Gone once used or expired.
  routes.get('/offers/:id', async (c) => {
    const offerId = c.req.param('id');
    const offer = /^[A-Za-z0-9_-]{43}$/.test(offerId) ? await store.offerById(sha256(offerId)) : undefined;
    c.header('Cache-Control', 'no-store');
    if (!offer || offer.code_used_at !== null || offer.expires_at <= clock())
      return c.json({ errors: [{ code: 'NOT_FOUND', message: 'no such offer, or it was used or has expired' }] }, 404);
    return c.json(offerObject(issuerId, offer.credential_configuration_id, store.preAuthorizedCode(offerId), txOf(offer)));
  });

  // Token endpoint: the pre-authorized code grant.
  routes.post(
    '/token',
    oauthFaults(async (c) => {
      const type = c.req.header('content-type') ?? '';
      if (!/^application\/x-www-form-urlencoded\s*(?:;|$)/i.test(type))
        return oauthError(c, 400, 'invalid_request', 'the token request must be application/x-www-form-urlencoded');
      const bytes = await readBody(c, TOKEN_BODY_BYTES);
      if (bytes === undefined) return oauthError(c, 413, 'invalid_request', `the token request is larger than ${TOKEN_BODY_BYTES} bytes`);
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        return oauthError(c, 400, 'invalid_request', 'the token request is not UTF-8');
      }
      const params = new URLSearchParams(text);
      for (const name of new Set(params.keys()))
        if (params.getAll(name).length > 1) return oauthError(c, 400, 'invalid_request', `parameter ${name} is repeated`);
      const grantType = params.get('grant_type');
      if (grantType === null) return oauthError(c, 400, 'invalid_request', 'grant_type is required');
      if (grantType !== PRE_AUTHORIZED_GRANT)
        return oauthError(c, 400, 'unsupported_grant_type', `this service grants ${PRE_AUTHORIZED_GRANT} only`);
      const code = params.get('pre-authorized_code');
      if (!code) return oauthError(c, 400, 'invalid_request', 'pre-authorized_code is required');
      const txCode = params.get('tx_code') ?? undefined;
      const now = clock();
      const grant = await ctx.track(() => store.redeem(code, txCode, now, config.oid4vci.tokenTtlSeconds * 1000));
      if (!grant.ok) {
        logger.info({ event: 'oid4vci.token.refused', reason: grant.reason }, 'token request refused');
        return oauthError(c, 400, grant.error, grant.description);
      }
      logger.info({ event: 'oid4vci.token.issued', offer: offerRef(grant.offer.id_hash) }, 'access token issued');
      c.header('Cache-Control', 'no-store');
      c.header('Pragma', 'no-cache');
      return c.json({ access_token: grant.token, token_type: 'Bearer', expires_in: config.oid4vci.tokenTtlSeconds });
    }),
  );

  // Nonce endpoint (OpenID4VCI 1.0 §7).
  routes.post(
    '/nonce',
    oauthFaults(async (c) => {
      const nonce = await ctx.track(() => store.createNonce(clock(), config.oid4vci.nonceTtlSeconds * 1000));
      c.header('Cache-Control', 'no-store');
      return c.json(vci.createNonceResponse({ cNonce: nonce, cNonceExpiresIn: config.oid4vci.nonceTtlSeconds }));
    }),
  );

  // Credential endpoint (OpenID4VCI 1.0 §8).
  routes.post(
    '/credential',
    oauthFaults(async (c) => {
      const authorization = c.req.header('authorization');
      const bearer = authorization === undefined ? undefined : /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(authorization)?.[1];
      const now = clock();
      const offer = bearer === undefined ? undefined : await store.offerForToken(bearer, now);
      if (!offer) {
        // RFC 6750 §3: no error code when the request carried no token at all.
        const challenge =
          authorization === undefined
            ? `Bearer realm="${issuerId}"`
            : `Bearer realm="${issuerId}", error="invalid_token", error_description="the access token is not valid or has expired"`;
        c.header('WWW-Authenticate', challenge);
        return oauthError(
          c,
          401,
          'invalid_token',
          authorization === undefined ? 'an access token is required' : 'the access token is not valid or has expired',
        );
      }
      let raw: unknown;
      try {
        raw = await readJson(c, z.record(z.string(), z.unknown()), config.limits.bodyBytes);
      } catch (e) {
        if (e instanceof HttpError) return oauthError(c, e.status === 413 ? 413 : 400, 'invalid_credential_request', e.message);
        throw e;
      }
      const request = raw as Record<string, unknown>;
      if (request.proof !== undefined)
        return oauthError(c, 400, 'invalid_credential_request', 'proof is not OpenID4VCI 1.0: send proofs: { jwt: [<proof>] }');
      if (request.credential_identifier !== undefined)
        return oauthError(
          c,
          400,
          'invalid_credential_request',
          'this service issues no credential identifiers: name a credential_configuration_id',
        );
      const configurationId = request.credential_configuration_id;
      if (typeof configurationId !== 'string')
        return oauthError(c, 400, 'invalid_credential_request', 'credential_configuration_id is required');
      if (!Object.hasOwn(config.oid4vci.credentialConfigurations, configurationId))
        return oauthError(c, 400, 'unknown_credential_configuration', `no credential configuration ${configurationId.slice(0, 100)}`);
      if (configurationId !== offer.credential_configuration_id)
        return oauthError(c, 400, 'invalid_credential_request', 'the access token was not granted for this credential configuration');
      const proofs = request.proofs;
      if (typeof proofs !== 'object' || proofs === null || Array.isArray(proofs) || Object.keys(proofs).join() !== 'jwt')
        return oauthError(c, 400, 'invalid_proof', 'one proof of possession is required: proofs: { jwt: [<proof JWT>] }');
      const jwts = (proofs as { jwt?: unknown }).jwt;
      if (!Array.isArray(jwts) || jwts.length !== 1 || typeof jwts[0] !== 'string')
        return oauthError(c, 400, 'invalid_proof', 'exactly one proof JWT is accepted: proofs: { jwt: [<proof JWT>] } (no batch issuance)');
      const jwt = jwts[0] as string;
      const configuration = config.oid4vci.credentialConfigurations[configurationId] as CredentialConfiguration;
      // An SD-JWT VC binds a key (cnf): a proof may give it as a jwk header, unless cnf is to name a DID (holderBinding kid).
      const allowJwk = configuration.format === 'dc+sd-jwt' && configuration.holderBinding !== 'kid';
      let claims: ProofClaims;
      try {
        claims = readProof(jwt, issuerId, now, { allowJwk });
      } catch (e) {
        if (e instanceof ProofError) return refuseProof(c, offer, e);
        throw e;
      }
      let parsed: ReturnType<Openid4vciIssuer['parseCredentialRequest']>;
      try {
        parsed = withInsecure(config.allowInsecureHttp, () =>
          vci.parseCredentialRequest({ issuerMetadata: knownIssuerMetadata as never, credentialRequest: request }),
        );
      } catch (e) {
        return oauthError(c, 400, 'invalid_credential_request', oauthDescription(e, 'the credential request is not valid'));
      }
      let holder: Holder;
      try {
        const verified = await withInsecureAsync(config.allowInsecureHttp, () =>
          vci.verifyCredentialRequestJwtProof({ issuerMetadata: knownIssuerMetadata as never, jwt, now: new Date(now) }),
        ).catch((e: unknown) => {
          const cause = (e as { cause?: unknown }).cause;
          const inner = (cause as { cause?: unknown } | undefined)?.cause;
          for (const candidate of [e, cause, inner]) if (candidate instanceof ProofError) throw candidate;
          throw new ProofError('invalid_proof', 'the proof signature does not verify with the key its kid names');
        });
        // Only a verified proof spends its nonce; the nonce is spent once (a replayed proof fails here).
        if (!(await ctx.track(() => store.consumeNonce(claims.nonce, now))))
          throw new ProofError('invalid_nonce', 'the proof nonce is not a current c_nonce of this service (unknown, used or expired)');
        holder = {
          ...(claims.holderDid === undefined ? {} : { did: claims.holderDid }),
          ...(claims.kid === undefined ? {} : { kid: claims.kid }),
          jwk: publicKeyOf(verified.signer.publicJwk),
        };
      } catch (e) {
        if (e instanceof ProofError) return refuseProof(c, offer, e);
        throw e;
      }
      return issueFor(c, offer, holder, parsed);
    }),
  );

  function refuseProof(c: Context, offer: OfferRow, e: ProofError): Response {
    logger.info({ event: 'oid4vci.credential.refused', offer: offerRef(offer.id_hash), reason: e.error }, 'credential request refused');
    return oauthError(c, 400, e.error, e.message);
  }

  async function issueFor(
    c: Context,
    offer: OfferRow,
    holder: Holder,
    parsed: ReturnType<Openid4vciIssuer['parseCredentialRequest']>,
  ): Promise<Response> {
    const configuration = config.oid4vci.credentialConfigurations[offer.credential_configuration_id] as CredentialConfiguration;
    if (offer.request === null) return oauthError(c, 400, 'credential_request_denied', 'the credential of this offer was already issued');
    const stored = JSON.parse(offer.request) as JsonObject;
    // The configuration is read again now: one changed (by a restart with another
    // configuration) since the offer was made no longer says how to issue it.
    const storedSdJwt = stored.format === 'dc+sd-jwt' && !('@context' in stored);
    if (storedSdJwt !== (configuration.format === 'dc+sd-jwt'))
      return oauthError(
        c,
        400,
        'credential_request_denied',
        'the credential configuration of this offer has changed; ask the issuer for a new offer',
      );
    if (configuration.format !== 'dc+sd-jwt' && holder.did === undefined)
      return oauthError(c, 400, 'invalid_proof', 'the proof names its key by kid (a did:key or did:jwk DID URL)');
    if (!(await store.claimIssuance(offer.id_hash, clock())))
      return oauthError(c, 400, 'credential_request_denied', 'the credential of this offer was already issued');
    let request: IssueDocumentRequest | IssueRequest;
    if (configuration.format === 'dc+sd-jwt') {
      request = sdJwtIssueRequest(stored, configuration, holder, offer.record_key);
    } else {
      stored.credentialSubject = { id: holder.did as string, ...(stored.credentialSubject as JsonObject) };
      request = {
        credential: stored,
        format: 'jwt_vc',
        status: configuration.status ?? ['revocation', 'suspension'],
        recordKey: offer.record_key,
      };
    }
    try {
      const issued = await ctx.track(async () => {
        const credential = await ctx.issue(request);
        await store.completeIssuance(offer.id_hash, credential.id);
        return credential;
      });
      logger.info(
        {
          event: 'oid4vci.credential.issued',
          offer: offerRef(offer.id_hash),
          credentialId: issued.id,
          credentialConfigurationId: offer.credential_configuration_id,
          format: configuration.format,
        },
        'credential issued',
      );
      c.header('Cache-Control', 'no-store');
      return c.json(vci.createCredentialResponse({ credentialRequest: parsed, credentials: [{ credential: issued.jwt }] }));
    } catch (e) {
      if (e instanceof TradewindError && e.code === 'ALREADY_EXISTS') {
        await store.completeIssuance(offer.id_hash, '');
        return oauthError(c, 400, 'credential_request_denied', 'a credential was already issued for this record');
      }
      // With the database unreachable the release fails too: the claim then lapses (CLAIM_LEASE_MS).
      await store
        .releaseIssuance(offer.id_hash)
        .catch((release: unknown) =>
          logger.error(
            { offer: offerRef(offer.id_hash), err: { message: String((release as Error)?.message) } },
            'cannot release the offer',
          ),
        );
      if (e instanceof HttpError && e.status === 503)
        return oauthError(c, 503, 'server_error', 'the service is shutting down; try again later');
      if (e instanceof TradewindError && (e.code === 'INVALID_ARGUMENT' || e.code === 'MALFORMED')) {
        logger.warn(
          { event: 'oid4vci.credential.failed', offer: offerRef(offer.id_hash), code: e.code, path: e.path },
          'the offer cannot be issued',
        );
        return oauthError(
          c,
          400,
          'credential_request_denied',
          'the credential of this offer cannot be issued; ask the issuer for a new offer',
        );
      }
      throw e;
    }
  }

  return { routes };
}

function hashOf(data: Uint8Array, alg: string): Uint8Array {
  const name = alg === 'sha-256' ? 'sha256' : alg === 'sha-384' ? 'sha384' : alg === 'sha-512' ? 'sha512' : undefined;
  if (!name) throw new Error(`unsupported hash ${alg}`);
  return new Uint8Array(createHash(name).update(data).digest());
}

/** The credential document an offer issues, its subject without id (the holder DID is added at issuance). */
function offerRequest(body: OfferBody, configuration: JwtVcCredentialConfiguration, issuerDid: string): JsonObject {
  if (body.claims !== undefined) {
    return {
      '@context': [VCDM_1_CONTEXT, ...(configuration.contexts ?? [])],
      type: [...configuration.types],
      issuer: issuerDid,
      credentialSubject: body.claims as JsonObject,
    };
  }
  const doc = { ...(body.credential as JsonObject) };
  const fail = (message: string, path: string): never => {
    throw new HttpError(400, 'INVALID_ARGUMENT', message, [{ code: 'INVALID_ARGUMENT', message, path }]);
  };
  const context = doc['@context'];
  if (!Array.isArray(context) || context[0] !== VCDM_1_CONTEXT)
    fail(`a ${configuration.format} credential is VCDM 1.1: its @context starts with ${VCDM_1_CONTEXT}`, '/credential/@context');
  const types = Array.isArray(doc.type) ? doc.type : [doc.type];
  const same = types.length === configuration.types.length && configuration.types.every((t) => types.includes(t));
  if (!same)
    fail(`the credential type must be ${JSON.stringify(configuration.types)}, as its credential configuration says`, '/credential/type');
  const subject = doc.credentialSubject;
  if (typeof subject !== 'object' || subject === null || Array.isArray(subject))
    fail('credentialSubject must be one object (the holder it is bound to)', '/credential/credentialSubject');
  if (Object.hasOwn(subject as object, 'id'))
    fail('leave credentialSubject.id out: it is the holder DID, set at issuance', '/credential/credentialSubject/id');
  const issuer = doc.issuer;
  const issuerIdOf = typeof issuer === 'object' && issuer !== null ? (issuer as JsonObject).id : issuer;
  if (issuer === undefined) doc.issuer = issuerDid;
  else if (issuerIdOf !== issuerDid) fail(`the issuer is this service's DID ${issuerDid}`, '/credential/issuer');
  if ('proof' in doc) fail('a credential to issue has no proof', '/credential/proof');
  if ('credentialStatus' in doc)
    fail('status entries are allocated by the service, from the credential configuration', '/credential/credentialStatus');
  return doc;
}

/** Whom a credential is bound to: the key that signed the proof, and the DID (URL) that named it, if one did. */
interface Holder {
  did?: string;
  kid?: string;
  jwk: PublicKeyJwk;
}

/** The public members of the key the proof verified with. */
function publicKeyOf(jwk: unknown): PublicKeyJwk {
  const k = jwk as Record<string, unknown>;
  return k.kty === 'EC'
    ? { kty: 'EC', crv: k.crv as 'P-256', x: k.x as string, y: k.y as string }
    : { kty: 'OKP', crv: k.crv as 'Ed25519', x: k.x as string };
}

/**
 * Claim names an SD-JWT VC's issuer writes itself (RFC 7519 registered claims, SD-JWT VC
 * §3.2.2, and SD-JWT's own members): an offer's claims may not set them.
 */
const SD_JWT_RESERVED = new Set([
  'iss',
  'sub',
  'iat',
  'nbf',
  'exp',
  'jti',
  'aud',
  'cnf',
  'vct',
  'vct#integrity',
  'status',
  '_sd',
  '_sd_alg',
  '...',
]);

/**
 * What an offer of an SD-JWT VC configuration keeps until the wallet asks for it: the
 * claims (top-level claims of the SD-JWT) with what the configuration says now about
 * type, vct, disclosures and binding, so a later change of the configuration does not
 * change what this offer issues.
 */
function sdJwtOfferRequest(body: OfferBody, configuration: SdJwtCredentialConfiguration): JsonObject {
  const fail = (message: string, path: string): never => {
    throw new HttpError(400, 'INVALID_ARGUMENT', message, [{ code: 'INVALID_ARGUMENT', message, path }]);
  };
  if (body.claims === undefined)
    return fail('an SD-JWT VC (dc+sd-jwt) offer takes claims (its top-level claims), not a credential document', '/credential');
  const claims = body.claims as JsonObject;
  if (Object.keys(claims).length === 0) fail('an SD-JWT VC needs at least one claim', '/claims');
  for (const name of Object.keys(claims))
    if (SD_JWT_RESERVED.has(name))
      fail(`${name} is set by the issuer (or names a member of the SD-JWT itself), not by the offer`, `/claims/${pointerToken(name)}`);
  checkSdJwtClaims(claims, configuration);
  return {
    format: 'dc+sd-jwt',
    type: configuration.type,
    vct: sdJwtVct(configuration),
    ...(configuration.disclose ? { disclose: [...configuration.disclose] } : {}),
    holderBinding: configuration.holderBinding ?? 'jwk',
    status: [...(configuration.status ?? ['revocation', 'suspension'])],
    claims,
  };
}

/**
 * The issuer's request for an SD-JWT VC: the offer's claims, bound (`cnf`) to the proof's
 * key — `cnf.jwk`, or with holderBinding `kid` the proof's DID URL as `cnf.kid`.
 */
function sdJwtIssueRequest(
  stored: JsonObject,
  configuration: SdJwtCredentialConfiguration,
  holder: Holder,
  recordKey: string,
): IssueRequest {
  const claims = stored.claims as JsonObject;
  const byKid = stored.holderBinding === 'kid' && holder.did !== undefined;
  const request: IssueRequest = {
    format: 'dc+sd-jwt',
    type: typeof stored.type === 'string' ? stored.type : configuration.type,
    vct: typeof stored.vct === 'string' ? stored.vct : sdJwtVct(configuration),
    credentialSubject: byKid ? { id: holder.did as string, ...claims } : { ...claims },
    status: Array.isArray(stored.status) ? (stored.status as Array<'revocation' | 'suspension'>) : ['revocation', 'suspension'],
    recordKey,
  };
  if (byKid) request.holderBinding = 'kid';
  else request.holderKey = { ...holder.jwk };
  if (Array.isArray(stored.disclose)) request.disclose = [...(stored.disclose as string[])];
  return request;
}

/**
 * What the issuer would refuse in an SD-JWT VC's claims, refused when the offer is made
 * (400, with the path) rather than at the wallet: SD-JWT's own names (`_sd`, `_sd_alg`,
 * `...`) at any depth, a `birthdate` that is not a date YYYY-MM-DD (the age claims are
 * derived from it), an `age_over_18` beside it (the issuer derives it), and a pointer of
 * the configuration's `disclose` that names no claim.
 */
function checkSdJwtClaims(claims: JsonObject, configuration: SdJwtCredentialConfiguration): void {
  const issues: Array<{ code: 'MALFORMED' | 'INVALID_ARGUMENT'; message: string; path: string }> = [];
  const walk = (value: unknown, path: string) => {
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(v, `${path}/${i}`);
    } else if (value !== null && typeof value === 'object')
      for (const [key, v] of Object.entries(value)) {
        const at = `${path}/${pointerToken(key)}`;
        if (key === '_sd' || key === '_sd_alg' || key === '...')
          issues.push({ code: 'MALFORMED', message: `the claim name ${JSON.stringify(key)} is reserved by SD-JWT`, path: at });
        else walk(v, at);
      }
  };
  walk(claims, '/claims');
  if (Object.hasOwn(claims, 'birthdate')) {
    const m = typeof claims.birthdate === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(claims.birthdate) : null;
    const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
    if (!date || date.toISOString().slice(0, 10) !== claims.birthdate)
      issues.push({
        code: 'INVALID_ARGUMENT',
        message: 'birthdate must be a date YYYY-MM-DD (age_over_18 is derived from it)',
        path: '/claims/birthdate',
      });
    if (Object.hasOwn(claims, 'age_over_18'))
      issues.push({
        code: 'INVALID_ARGUMENT',
        message: 'age_over_18 is derived by the issuer from birthdate: leave it out',
        path: '/claims/age_over_18',
      });
  }
  for (const pointer of configuration.disclose ?? []) {
    let node: unknown = claims;
    for (const raw of pointer.split('/').slice(1)) {
      const step = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      node =
        node !== null && typeof node === 'object' && Object.hasOwn(node, step)
          ? (node as Record<string, unknown>)[step]
          : Array.isArray(node) && /^(0|[1-9][0-9]*)$/.test(step)
            ? node[Number(step)]
            : undefined;
      if (node === undefined) break;
    }
    // age_over_18 is there once the issuer derives it from birthdate.
    if (node === undefined && !(pointer === '/age_over_18' && Object.hasOwn(claims, 'birthdate')))
      issues.push({
        code: 'INVALID_ARGUMENT',
        message: `the credential configuration discloses ${pointer}, which these claims do not have`,
        path: '/claims',
      });
  }
  if (issues.length > 0)
    throw new HttpError(
      400,
      issues[0]?.code as 'MALFORMED' | 'INVALID_ARGUMENT',
      issues.map((i) => `${i.path}: ${i.message}`).join('; '),
      issues,
    );
}

function pointerToken(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A holder DID that stands in for the real one while an offer's document is checked. */
const PLACEHOLDER_HOLDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';

/**
 * Checks, when the offer is made, that its document is a VCDM 1.1 credential once the
 * holder DID and the issuance date are filled in, so that an offer the issuer would
 * refuse is refused now (400, with the path in the body) rather than at the wallet.
 */
function checkOfferDocument(document: JsonObject, fromClaims: boolean): void {
  const subject = document.credentialSubject as JsonObject;
  const probe = {
    ...document,
    issuanceDate: typeof document.issuanceDate === 'string' ? document.issuanceDate : '2026-01-01T00:00:00Z',
    credentialSubject: { id: PLACEHOLDER_HOLDER, ...subject },
  };
  const issues = validateCredential(probe, { version: '1.1' });
  if (issues.length === 0) return;
  const at = (path: string | undefined) =>
    fromClaims ? (path ?? '').replace(/^\/credentialSubject/, '/claims') : `/credential${path ?? ''}`;
  throw new HttpError(
    400,
    'MALFORMED',
    issues.map((i) => `${at(i.path) || '/'}: ${i.message}`).join('; '),
    issues.map((i) => ({ code: 'MALFORMED', message: i.message, path: at(i.path) })),
  );
}

function newTxCode(length: number, inputMode: 'numeric' | 'text'): string {
  const alphabet = inputMode === 'numeric' ? '0123456789' : 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

function txOf(offer: OfferRow): { length: number; inputMode: 'numeric' | 'text' } | undefined {
  if (offer.tx_code_hash === null) return undefined;
  return { length: offer.tx_code_length ?? 6, inputMode: (offer.tx_code_input_mode as 'numeric' | 'text') ?? 'numeric' };
}

/** The credential offer object (OpenID4VCI 1.0 §4.1.1). */
function offerObject(
  issuerId: string,
  configurationId: string,
  code: string,
  tx: { length: number; inputMode: 'numeric' | 'text' } | undefined,
): Record<string, unknown> {
  return {
    credential_issuer: issuerId,
    credential_configuration_ids: [configurationId],
    grants: {
      [PRE_AUTHORIZED_GRANT]: {
        'pre-authorized_code': code,
        ...(tx
          ? {
              tx_code: { length: tx.length, input_mode: tx.inputMode, description: 'the code the issuing office gave you with this offer' },
            }
          : {}),
      },
    },
  };
}

function oauthDescription(e: unknown, fallback: string): string {
  const response = (e as { errorResponse?: { error_description?: unknown } }).errorResponse;
  const text = typeof response?.error_description === 'string' ? response.error_description : fallback;
  return text.split('\n')[0]?.slice(0, 300) ?? fallback;
}

/**
 * The OpenID4VCI library checks URLs against one process-wide switch; http URLs are
 * accepted while work that allows them runs (tests on 127.0.0.1 only). The count of
 * such work is shared by every copy of this helper in the process (wallet and service).
 */
const INSECURE_DEPTH = Symbol.for('tradewind.openid4vc.insecure-depth');
function enterInsecure(): void {
  const g = globalThis as unknown as Record<symbol, number>;
  g[INSECURE_DEPTH] = (g[INSECURE_DEPTH] ?? 0) + 1;
  setGlobalConfig({ ...getGlobalConfig(), allowInsecureUrls: true });
}
function leaveInsecure(): void {
  const g = globalThis as unknown as Record<symbol, number>;
  g[INSECURE_DEPTH] = (g[INSECURE_DEPTH] ?? 1) - 1;
  if (g[INSECURE_DEPTH] === 0) setGlobalConfig({ ...getGlobalConfig(), allowInsecureUrls: false });
}
function withInsecure<T>(insecure: boolean, work: () => T): T {
  if (!insecure) return work();
  enterInsecure();
  try {
    return work();
  } finally {
    leaveInsecure();
  }
}
async function withInsecureAsync<T>(insecure: boolean, work: () => Promise<T>): Promise<T> {
  if (!insecure) return work();
  enterInsecure();
  try {
    return await work();
  } finally {
    leaveInsecure();
  }
}
