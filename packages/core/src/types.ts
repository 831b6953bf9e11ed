// W3C Verifiable Credentials Data Model types: 1.1 (https://www.w3.org/TR/vc-data-model/)
// and 2.0 (https://www.w3.org/TR/vc-data-model-2.0/). Only what the toolkit reads is
// typed strictly; everything else stays open, as the data model is extensible.

export const VCDM_1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';
export const VCDM_2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';

/** Names of the credential formats Tradewind reads and writes. */
export type CredentialFormat = 'jwt_vc' | 'vc+jwt' | 'dc+sd-jwt' | 'di';

export type JsonObject = { [key: string]: unknown };

export interface IssuerObject extends JsonObject {
  id: string;
  name?: string;
}

export interface CredentialSubject extends JsonObject {
  id?: string;
}

export interface CredentialStatus extends JsonObject {
  id?: string;
  type: string;
  /** BitstringStatusListEntry */
  statusPurpose?: string;
  statusListIndex?: string;
  statusListCredential?: string;
}

export interface CredentialSchema extends JsonObject {
  id: string;
  type: string;
}

/** A credential in either data model (1.1 uses issuanceDate/expirationDate, 2.0 validFrom/validUntil). */
export interface VerifiableCredential extends JsonObject {
  '@context': Array<string | JsonObject> | string;
  id?: string;
  type: string[] | string;
  issuer: string | IssuerObject;
  credentialSubject: CredentialSubject | CredentialSubject[];
  issuanceDate?: string;
  expirationDate?: string;
  validFrom?: string;
  validUntil?: string;
  credentialStatus?: CredentialStatus | CredentialStatus[];
  credentialSchema?: CredentialSchema | CredentialSchema[];
}

export interface VerifiablePresentation extends JsonObject {
  '@context': Array<string | JsonObject> | string;
  id?: string;
  type: string[] | string;
  holder?: string | { id: string };
  verifiableCredential?: unknown[] | unknown;
}

/** The `id` of an issuer given as a string or an object. */
export function issuerId(issuer: unknown): string | undefined {
  if (typeof issuer === 'string') return issuer;
  if (issuer && typeof issuer === 'object' && typeof (issuer as JsonObject).id === 'string') {
    return (issuer as JsonObject).id as string;
  }
  return undefined;
}

/** A `type` value as an array. */
export function typesOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((t): t is string => typeof t === 'string');
  return [];
}

/** A value that may be one item or an array of them, as an array. */
export function asArray<T>(value: T | T[] | undefined | null): T[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
